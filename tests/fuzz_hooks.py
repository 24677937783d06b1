"""What an OpenAPI document cannot say, told to schemathesis (it loads this module through
SCHEMATHESIS_HOOKS):

- which bytes make an image: small real pictures go in the image/* parts that the document's
  multipart encoding names, so a schema-valid post carries a photo the server can read;
- that a multipart field is text: a field mutated into an object, number or null would reach
  the server as its JSON spelling, a string the schema allows, and the server would be blamed
  for "accepting" it; such cases are not sent (the same mutations of the JSON body still are)."""

from io import BytesIO

import schemathesis
from hypothesis import strategies as st
from PIL import Image


def picture(kind, width, height, colour):
    drawn = BytesIO()
    Image.new("RGB", (width, height), colour).save(drawn, kind)
    return drawn.getvalue()


for kind in ["JPEG", "PNG", "WEBP", "GIF"]:
    schemathesis.openapi.media_type(
        f"image/{kind.lower()}",
        st.builds(
            picture,
            st.just(kind),
            st.integers(1, 64),
            st.integers(1, 64),
            st.sampled_from(["navy", "white", "#c62828"]),
        ),
    )


@schemathesis.hook
def filter_case(context, case):
    if not (case.media_type or "").startswith("multipart/") or not isinstance(case.body, dict):
        return True
    return all(isinstance(value, (str, bytes)) for value in case.body.values())
