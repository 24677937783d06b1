"""The admin workflow: post from the session list, save and add another, soft delete and restore."""

import re

from conftest import NO_LINKS, post

from liveblog import Session, Update


def test_session_list_shows_counts_status_and_a_post_update_link(client, admin_user, session):
    post(session, "one"), post(session, "two")
    client.force_login(admin_user)
    page = client.get("/admin/liveblog/session/").content.decode()
    assert session.title in page and "Carson Gross" in page and "Main hall" in page
    assert f'href="/admin/liveblog/update/add/?session={session.pk}"' in page
    assert "Post update" in page and ">2<" in page and "Live" in page


def test_post_update_link_prefills_the_session(client, admin_user, session):
    client.force_login(admin_user)
    page = client.get(f"/admin/liveblog/update/add/?session={session.pk}").content.decode()
    assert f'<option value="{session.pk}" selected>' in page


def test_save_and_add_another_returns_a_blank_form_for_the_same_session(client, admin_user, session):
    client.force_login(admin_user)
    response = client.post(
        "/admin/liveblog/update/add/", {"session": session.pk, "body": "From the admin", "_addanother": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/liveblog/update/add/?session={session.pk}"
    update = Update.objects.get()
    assert update.author == admin_user and update.version == 1 and update.html == "<p>From the admin</p>"
    page = client.get(response["Location"]).content.decode()
    assert f'<option value="{session.pk}" selected>' in page
    assert re.search(r'<textarea name="body"[^>]*>\s*</textarea>', page)


def test_admin_edit_goes_through_the_cursor(client, admin_user, session):
    update = post(session, "typo")
    client.force_login(admin_user)
    client.post(f"/admin/liveblog/update/{update.pk}/change/", {"session": session.pk, "body": "fixed", "pinned": "on"})
    update.refresh_from_db()
    assert update.body == "fixed" and update.pinned and update.edited_at is not None
    assert update.version == Session.objects.get(pk=session.pk).version == 2


def test_admin_delete_is_a_soft_delete_through_the_cursor(client, admin_user, session):
    update = post(session, "to delete")
    client.force_login(admin_user)
    response = client.post(f"/admin/liveblog/update/{update.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.deleted_at is not None and update.version == 2


def test_bulk_delete_and_restore_actions(client, admin_user, session):
    a, b = post(session, "a"), post(session, "b")
    client.force_login(admin_user)
    url = "/admin/liveblog/update/"
    client.post(url, {"action": "delete_selected", "_selected_action": [a.pk, b.pk], "post": "yes"})
    assert Update.objects.filter(deleted_at__isnull=False).count() == 2
    assert Session.objects.get(pk=session.pk).version == 4
    client.post(url, {"action": "restore_updates", "_selected_action": [a.pk]})
    a.refresh_from_db()
    assert a.deleted_at is None and a.version == 5


def test_update_list_has_search_and_filters(client, admin_user, session):
    post(session, "about htmx"), post(session, "about postgres")
    client.force_login(admin_user)
    page = client.get("/admin/liveblog/update/?q=postgres").content.decode()
    assert "about postgres" in page and "about htmx" not in page
    assert "?deleted_at__isempty=0" in page and "?pinned__exact=1" in page


def test_session_status_actions_bump_the_version(client, admin_user, session):
    client.force_login(admin_user)
    client.post("/admin/liveblog/session/", {"action": "end_session", "_selected_action": [session.pk]})
    session.refresh_from_db()
    assert session.status == "ended" and session.version == 1
    client.post("/admin/liveblog/session/", {"action": "follow_schedule", "_selected_action": [session.pk]})
    session.refresh_from_db()
    assert session.status == "live" and session.version == 2


def test_admin_refuses_an_unknown_time_zone(client, admin_user, session):
    client.force_login(admin_user)
    response = client.post(
        f"/admin/liveblog/session/{session.pk}/change/",
        {
            "title": "T",
            "slug": "keynote",
            "starts_at_0": "2025-09-08",
            "starts_at_1": "10:00",
            "ends_at_0": "2025-09-08",
            "ends_at_1": "11:00",
            "time_zone": "Europe/Atlantis",
            **NO_LINKS,
        },
    )
    assert response.status_code == 200
    assert "is not a known IANA time zone" in response.content.decode()
    assert Session.objects.get(pk=session.pk).time_zone == "America/Chicago"


def test_admin_reads_and_shows_times_in_the_sessions_own_zone(client, admin_user, db):
    client.force_login(admin_user)
    response = client.post(
        "/admin/liveblog/session/add/",
        {
            "title": "Keynote",
            "slug": "chicago",
            "starts_at_0": "2025-09-08",
            "starts_at_1": "09:00",
            "ends_at_0": "2025-09-08",
            "ends_at_1": "10:00",
            "time_zone": "America/Chicago",
            **NO_LINKS,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    session = Session.objects.get(slug="chicago")
    assert session.starts_at.isoformat() == "2025-09-08T14:00:00+00:00"  # 09:00 CDT
    form = client.get(f"/admin/liveblog/session/{session.pk}/change/").content.decode()
    assert 'name="starts_at_1" value="09:00:00"' in form and 'name="ends_at_1" value="10:00:00"' in form
    assert "Local time where the session happens" in form
    listing = client.get("/admin/liveblog/session/").content.decode()
    assert "Mon 8 Sep 2025, 09:00 CDT" in listing


def test_admin_form_with_an_unknown_zone_is_refused_not_a_crash(client, admin_user, db):
    client.force_login(admin_user)
    response = client.post(
        "/admin/liveblog/session/add/",
        {
            "title": "T",
            "slug": "t",
            "starts_at_0": "2025-09-08",
            "starts_at_1": "09:00",
            "ends_at_0": "2025-09-08",
            "ends_at_1": "10:00",
            "time_zone": "Mars/Base",
            **NO_LINKS,
        },
    )
    assert response.status_code == 200 and "is not a known IANA time zone" in response.content.decode()
    assert not Session.objects.exists()
