"""What an OpenAPI document cannot say: which bytes make an image. schemathesis loads this
module (SCHEMATHESIS_HOOKS) and sends small real pictures as the image/* parts that the
document's multipart encoding names, so a schema-valid post carries a photo the server can read."""
from io import BytesIO

import schemathesis
from hypothesis import strategies as st
from PIL import Image


def picture(kind, width, height, colour):
    drawn = BytesIO()
    Image.new("RGB", (width, height), colour).save(drawn, kind)
    return drawn.getvalue()


for kind in ["JPEG", "PNG", "WEBP", "GIF"]:
    schemathesis.openapi.media_type(f"image/{kind.lower()}", st.builds(
        picture, st.just(kind), st.integers(1, 64), st.integers(1, 64), st.sampled_from(["navy", "white", "#c62828"])))
