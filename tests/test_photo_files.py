"""A photo file lives exactly as long as its update: none is left behind by an insert that
fails, by a photo replaced in the admin, or by an update removed for good."""

from pathlib import Path

import pytest
from conftest import jpeg_with_gps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from liveblog import Update, delete_update, publish_update, save_update, slide_photo


def photo():
    return slide_photo(SimpleUploadedFile("slide.jpg", jpeg_with_gps(400, 300)))


def files_on_disk():
    return sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


@pytest.fixture(autouse=True)
def empty_media():
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()


def test_a_photo_written_for_an_insert_that_fails_is_removed(session, poster):
    first, _ = publish_update(session, poster, image=photo(), key="draft-0001")
    assert files_on_disk() == [Path(first.image.name).name]
    second = Update(session=session, author=poster, idempotency_key="draft-0001", image=photo())
    with pytest.raises(IntegrityError):  # the same draft, arriving twice at the same moment
        save_update(second, body="again")
    assert files_on_disk() == [Path(first.image.name).name]


def test_the_same_draft_racing_in_twice_keeps_one_file(session, poster, monkeypatch):
    first, _ = publish_update(session, poster, image=photo(), key="draft-0002")
    real_filter = Update.objects.filter
    # the second arrival looks before the first has committed, and finds nothing
    monkeypatch.setattr(
        Update.objects,
        "filter",
        lambda **kw: real_filter(pk=0) if "idempotency_key" in kw and kw.get("session") else real_filter(**kw),
    )
    again, created = publish_update(session, poster, image=photo(), key="draft-0002")
    assert not created and again.pk == first.pk
    assert files_on_disk() == [Path(first.image.name).name]


def test_an_update_removed_for_good_takes_its_photo_file(session, poster, django_capture_on_commit_callbacks):
    update, _ = publish_update(session, poster, image=photo())
    assert files_on_disk()
    with django_capture_on_commit_callbacks(execute=True):
        session.delete()  # the cascade removes the update for good
    assert files_on_disk() == []


def test_a_soft_deleted_update_keeps_its_photo_to_restore(session, poster, django_capture_on_commit_callbacks):
    update, _ = publish_update(session, poster, image=photo())
    with django_capture_on_commit_callbacks(execute=True):
        delete_update(update)
    assert files_on_disk() == [Path(update.image.name).name]


def test_a_photo_replaced_in_the_admin_is_removed_once_committed(
    client, admin_user, session, django_capture_on_commit_callbacks
):
    update, _ = publish_update(session, admin_user, body="Slide", image=photo())
    old = Path(update.image.name).name
    client.force_login(admin_user)
    upload = SimpleUploadedFile("new.jpg", jpeg_with_gps(300, 200), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/liveblog/update/{update.pk}/change/",
            {"session": session.pk, "body": "Slide", "image": upload, "image_alt": "", "pinned": ""},
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert old not in files_on_disk() and files_on_disk() == [Path(update.image.name).name]


def test_a_photo_cleared_in_the_admin_goes_and_the_update_stays(
    client, admin_user, session, django_capture_on_commit_callbacks
):
    update, _ = publish_update(session, admin_user, body="Slide", image=photo())
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/liveblog/update/{update.pk}/change/",
            {"session": session.pk, "body": "Slide", "image-clear": "on", "image_alt": "", "pinned": ""},
        )
    assert response.status_code == 302
    update.refresh_from_db()
    assert not update.image and update.body == "Slide" and files_on_disk() == []
