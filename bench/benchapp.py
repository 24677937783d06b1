"""liveblog plus the two reference views the benchmark compares against.

Served as `gunicorn benchapp:app` from bench/, on the same server as the app itself.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.http import HttpResponse  # noqa: E402

from liveblog import Update, app  # noqa: E402


@app.route("/bench/trivial/")
def trivial(request):
    """The floor: what Django does per request with no work in the view."""
    return HttpResponse(b'{"ok": true}', content_type="application/json")


@app.route("/bench/naive/<slug:slug>/")
def naive_poll(request, slug):
    """The public write-up's poll: query and serialise every update with id > since, every time."""
    since = int(request.GET.get("since", 0))
    updates = Update.objects.filter(session__slug=slug, id__gt=since, deleted_at__isnull=True).order_by("id")
    data = [
        {
            "id": u.id,
            "created": u.created_at.isoformat(),
            "created_str": u.created_at.strftime("%H:%M"),
            "content": u.html,
        }
        for u in updates
    ]
    response = HttpResponse(json.dumps(data), content_type="application/json")
    response["Cache-Control"] = "s-maxage=10"
    return response
