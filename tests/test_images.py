"""Slide photos: checked to be real images, limited, scaled, stripped of their metadata."""

from io import BytesIO

import pytest
from conftest import HTMX, decompression_bomb, jpeg_with_gps
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

import liveblog
from liveblog import Update


def upload(data, name="slide.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_image(update):
    update.image.open("rb")
    try:
        return Image.open(BytesIO(update.image.read()))
    finally:
        update.image.close()


def test_a_photo_is_scaled_down_and_loses_its_gps_position(author_client, session):
    original = Image.open(BytesIO(jpeg_with_gps()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the camera's position is in the original

    response = author_client.post(
        f"/sessions/{session.slug}/updates/",
        {
            "body": "The architecture slide",
            "image": upload(jpeg_with_gps()),
            "image_alt": "Boxes and arrows",
        },
        **HTMX,
    )

    assert response.status_code == 201
    update = Update.objects.get()
    photo = stored_image(update)
    assert photo.format == "JPEG"
    assert photo.size == (1600, 1067)  # 3000x2000 scaled to fit 1600 wide
    assert (update.image_width, update.image_height) == (1600, 1067)
    assert not photo.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(photo.getexif()) == 0  # no metadata at all
    assert not update.image.name.endswith("/slide.jpg")  # a fresh name, not the uploader's
    assert f'src="{update.image.url}"' in response.content.decode()
    assert 'alt="Boxes and arrows"' in response.content.decode()


def test_a_photo_may_stand_alone_without_text(author_client, session):
    response = author_client.post(
        f"/sessions/{session.slug}/updates/", {"image": upload(jpeg_with_gps(800, 600))}, **HTMX
    )
    assert response.status_code == 201
    assert Update.objects.get().image


@pytest.mark.parametrize(
    "make, name, message",
    [
        (lambda: b"Not a photo, just some text.\n" * 20, "slide.jpg", "not an image that can be read"),
        (decompression_bomb, "slide.png", "the limit is 50 megapixels"),  # 900 MP: Pillow's own guard trips
        (lambda: decompression_bomb(9_000), "slide.png", "the limit is 50 megapixels"),  # 81 MP: ours does
        (lambda: b"GIF89a" + b"\0" * 40, "broken.gif", "not an image that can be read"),
    ],
    ids=["text-named-jpg", "bomb-900MP", "bomb-81MP", "truncated-gif"],
)
def test_what_is_not_a_usable_image_is_refused_with_a_message(author_client, session, make, name, message):
    response = author_client.post(
        f"/sessions/{session.slug}/updates/", {"body": "Keep me", "image": upload(make(), name)}, **HTMX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Update.objects.count() == 0
    assert session.updates.count() == 0


def test_a_photo_over_the_size_limit_is_refused(author_client, session, monkeypatch):
    monkeypatch.setattr(liveblog, "MAX_IMAGE_MB", 1)
    noise = Image.effect_noise((1400, 1400), 100).convert("RGB")
    big = BytesIO()
    noise.save(big, "JPEG", quality=100)
    assert big.tell() > 1024 * 1024  # a real photo, just too large
    response = author_client.post(f"/sessions/{session.slug}/updates/", {"image": upload(big.getvalue())}, **HTMX)
    assert response.status_code == 413
    assert "the limit is 1 MB" in response.content.decode()
    assert Update.objects.count() == 0


def test_the_api_takes_a_photo_as_multipart(client, auth, session):
    response = client.post(
        f"/api/sessions/{session.slug}/updates",
        {
            "body": "From the API",
            "pinned": "true",
            "image_alt": "A slide",
            "image": upload(jpeg_with_gps()),
        },
        **auth,
    )
    assert response.status_code == 201
    data = response.json()
    assert data["pinned"] is True and data["body"] == "From the API" and data["image_alt"] == "A slide"
    assert data["image"].startswith("http://testserver/media/slides/") and data["image"].endswith(".jpg")
    update = Update.objects.get()
    assert not stored_image(update).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert client.get(f"/api/sessions/{session.slug}/updates").json()["updates"][0]["image"] == data["image"]


def test_the_api_refuses_a_fake_image_with_a_message(client, auth, session):
    response = client.post(
        f"/api/sessions/{session.slug}/updates", {"body": "x", "image": upload(b"text, not a photo")}, **auth
    )
    assert response.status_code == 422
    assert "not an image" in response.json()["detail"]
    assert Update.objects.count() == 0


def test_a_reader_token_cannot_post_a_photo(client, reader, session):
    from liveblog import ApiToken

    raw = ApiToken.issue(reader, "reader")[1]
    response = client.post(
        f"/api/sessions/{session.slug}/updates",
        {"image": upload(jpeg_with_gps(800, 600))},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert Update.objects.count() == 0


def test_the_admin_form_checks_and_scales_a_photo_too(client, admin_user, session):
    client.force_login(admin_user)
    response = client.post(
        "/admin/liveblog/update/add/",
        {"session": session.pk, "body": "", "image": upload(jpeg_with_gps()), "image_alt": "From the admin"},
    )
    assert response.status_code == 302
    assert stored_image(Update.objects.get()).size == (1600, 1067)
    refused = client.post(
        "/admin/liveblog/update/add/", {"session": session.pk, "body": "x", "image": upload(b"text", "fake.jpg")}
    )
    assert refused.status_code == 200 and "Upload a valid image" in refused.content.decode()
    assert Update.objects.count() == 1


def test_photos_are_served_for_good_and_nothing_else_is(author_client, client, session, monkeypatch):
    author_client.post(f"/sessions/{session.slug}/updates/", {"image": upload(jpeg_with_gps(800, 600))}, **HTMX)
    url = Update.objects.get().image.url
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    for outside in ["/media/../liveblog.py", "/media/%2e%2e/liveblog.py", "/media/slides/../../liveblog.py"]:
        assert client.get(outside).status_code == 400  # Django refuses a path out of MEDIA_ROOT
    monkeypatch.setattr(liveblog, "SERVE_MEDIA", False)  # the web server serves them instead
    assert client.get(url).status_code == 404
