"""A slide photo made small in the author's browser before it queues: upright, within
1600x1600, without metadata, much lighter; a file the browser cannot read goes as it is."""

import re
from io import BytesIO

import pytest
from conftest import signed_in_author
from liveserver import LiveServer
from PIL import ExifTags, Image

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("photos")).start()
    live.new_session("photos")
    yield live
    live.close()


def phone_photo(path):
    """A 4000x3000 JPEG as a phone writes it: noisy, stored on its side with EXIF orientation 6
    (turn 90 degrees clockwise to show it), a GPS position in its metadata."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0)}
    )
    noise = Image.effect_noise((4000, 3000), 60)
    Image.merge("RGB", [noise, noise.rotate(180), noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]).save(
        path, "JPEG", quality=92, exif=exif
    )
    return path.read_bytes()


# Chromium does not hand a request's file parts to Playwright, so the page notes each photo it
# sends as fetch() is called: the file's name, type and every byte.
RECORD_UPLOADS = """
window.__uploads = [];
const send = window.fetch;
window.fetch = async (url, options = {}) => {
  const image = options.body instanceof FormData && options.body.get("image");
  if (image instanceof File) {
    const bytes = Array.from(new Uint8Array(await image.arrayBuffer()));
    window.__uploads.push({ name: image.name, type: image.type, bytes });
  }
  return send(url, options);
};
"""


def uploads(page):
    return [(sent["name"], sent["type"], bytes(sent["bytes"])) for sent in page.evaluate("window.__uploads")]


def test_a_phone_photo_travels_upright_within_1600_pixels_without_metadata(server, contexts, tmp_path):
    original = phone_photo(tmp_path / "IMG_0001.jpg")
    author = signed_in_author(server, contexts, "photos", init_script=RECORD_UPLOADS)
    author.set_input_files("#compose-image", str(tmp_path / "IMG_0001.jpg"))
    size = author.locator("#compose-photo-size")
    size.filter(has_text="→").wait_for(timeout=20000)
    before, after = re.fullmatch(r"Photo: (.+) → (.+)", size.inner_text()).groups()
    assert before.endswith("MB") and after.endswith("kB")  # a few megabytes become a few hundred kilobytes
    author.fill("#compose-alt", "The roadmap")
    author.locator("#compose-body").press("Control+Enter")
    author.locator("#updates figure.photo img").wait_for(timeout=20000)
    ((name, kind, body),) = uploads(author)
    assert name == "IMG_0001.webp" and kind == "image/webp"
    with Image.open(BytesIO(body)) as received:
        assert received.format == "WEBP" and received.size == (1200, 1600)  # turned upright, then fitted
        assert not received.getexif() and "exif" not in received.info and "xmp" not in received.info
    assert len(body) < len(original) / 5
    update = server.get("/api/sessions/photos/updates")["updates"][0]
    assert update["image_alt"] == "The roadmap" and update["image"]


def test_a_file_the_browser_cannot_decode_goes_as_it_is_for_the_server_to_judge(server, contexts, tmp_path):
    heic = tmp_path / "IMG_0002.heic"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(range(256)) * 40)  # not decodable here
    author = signed_in_author(server, contexts, "photos", init_script=RECORD_UPLOADS)
    author.set_input_files("#compose-image", str(heic))
    author.locator("#compose-photo-size").filter(has_text="sent as it is").wait_for(timeout=10000)
    author.fill("#compose-body", "A photo from another phone")
    author.locator("#compose-body").press("Control+Enter")
    author.locator("#outbox-posts li.refused").wait_for(timeout=10000)  # the server's check refuses it
    ((name, kind, body),) = uploads(author)
    assert name == "IMG_0002.heic" and body == heic.read_bytes()
    assert "not an image" in author.locator("#outbox-posts li.refused").inner_text()


# The browser decodes the photo only when the test says so: the author writes on meanwhile.
HOLD_DECODING = """
const decode = window.createImageBitmap;
let release;
const released = new Promise((resolve) => { release = resolve; });
window.__releasePhoto = () => release();
window.createImageBitmap = (...args) => released.then(() => decode(...args));
"""


def test_a_post_written_while_the_photo_before_it_is_made_smaller_keeps_its_text_and_place(server, contexts, tmp_path):
    server.new_session("photo-order")
    phone_photo(tmp_path / "IMG_0003.jpg")
    author = signed_in_author(server, contexts, "photo-order", init_script=HOLD_DECODING + RECORD_UPLOADS)
    author.set_input_files("#compose-image", str(tmp_path / "IMG_0003.jpg"))
    author.fill("#compose-alt", "The first slide")
    author.fill("#compose-body", "With the slide")
    author.locator("#compose-body").press("Control+Enter")
    assert author.locator("#compose-body").input_value() == ""  # the box is free at once
    author.fill("#compose-body", "Right after, no photo")
    author.locator("#compose-body").press("Control+Enter")
    author.evaluate("window.__releasePhoto()")
    author.locator("#updates").get_by_text("Right after, no photo").wait_for(timeout=20000)
    updates = server.get("/api/sessions/photo-order/updates")["updates"]
    assert [(u["body"], bool(u["image"]), u["image_alt"]) for u in updates] == [
        ("With the slide", True, "The first slide"),
        ("Right after, no photo", False, ""),
    ]
    ((name, kind, _),) = uploads(author)
    assert name == "IMG_0003.webp" and kind == "image/webp"
