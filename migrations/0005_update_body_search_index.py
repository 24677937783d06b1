"""On PostgreSQL, a GIN index on each update's text as an English tsvector, for /search/.
Its expression is the one search_updates() filters on, so the planner uses it; SQLite has
no full-text type and searches by substring without it."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEX = GinIndex(SearchVector("body", config="english"), name="update_body_search")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("liveblog", "Update"), INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("liveblog", "Update"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("liveblog", "0004_session_times_help")]

    operations = [migrations.RunPython(create_index, drop_index)]
