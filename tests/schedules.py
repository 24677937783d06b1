"""Schedule documents in the shape pretalx and frab export (conference, days, rooms, events),
written for these tests: made up, not copied from any export."""

import uuid

ZONE = "Europe/Berlin"


def guid(name):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://testland.example.org/{name}"))


def pretalx_event(name, title, date, duration="00:30", room="Hall A", **fields):
    """An event as pretalx writes it: persons with `name`, links and attachments as objects."""
    return {
        "id": abs(hash(name)) % 10_000 + 1,
        "guid": guid(name),
        "date": date,
        "start": date[11:16],
        "duration": duration,
        "room": room,
        "slug": f"testland-{name}",
        "url": f"https://testland.example.org/talk/{name}/",
        "title": title,
        "subtitle": "",
        "track": "Web",
        "type": "Talk",
        "language": "en",
        "abstract": f"What {title} is about.",
        "description": "A longer description.",
        "persons": [{"code": "ABC123", "name": "Ada Lovelace", "biography": ""}],
        "links": [],
        "attachments": [],
        **fields,
    }


def frab_event(name, title, date, duration="00:45", room="Saal 1", **fields):
    """An event as frab writes it: persons with `public_name`, nulls where there is nothing."""
    return {
        "id": abs(hash(name)) % 10_000 + 1,
        "guid": guid(name),
        "logo": None,
        "date": date,
        "start": date[11:16],
        "duration": duration,
        "room": room,
        "slug": f"frabcon-{name}",
        "url": None,
        "title": title,
        "subtitle": None,
        "track": None,
        "type": "lecture",
        "language": "de",
        "abstract": None,
        "description": "Beschreibung.",
        "recording_license": "",
        "do_not_record": False,
        "persons": [{"id": 1, "public_name": "Grace Hopper"}],
        "links": [{"url": "https://frabcon.example.org/links/1", "title": "Background"}],
        "attachments": [],
        **fields,
    }


def schedule(*events, zone=ZONE, title="PyCon Testland 2026", acronym="testland2026", base_url=None):
    """A schedule.json document holding the events, each under its own day and room."""
    days = {}
    for event in events:
        days.setdefault(event["date"][:10], {}).setdefault(event["room"], []).append(event)
    conference = {
        "acronym": acronym,
        "title": title,
        "start": min(days),
        "end": max(days),
        "daysCount": len(days),
        "timeslot_duration": "00:05",
        **({"time_zone_name": zone} if zone else {}),
        "days": [
            {
                "index": n,
                "date": day,
                "day_start": f"{day}T04:00:00+02:00",
                "day_end": f"{day}T23:59:00+02:00",
                "rooms": rooms,
            }
            for n, (day, rooms) in enumerate(sorted(days.items()), start=1)
        ],  # fmt: skip
    }
    body = {"version": "1.0", "conference": conference, **({"base_url": base_url} if base_url else {})}
    return {"$schema": "https://c3voc.de/schedule/schema.json", "generator": {"name": "tests"}, "schedule": body}
