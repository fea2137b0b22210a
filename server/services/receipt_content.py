"""What a receipt upload may hold, judged by its bytes, and its images cleaned of metadata.

The type is read from the content, never from the name or the declared type: JPEG, PNG and
WebP photos, and PDF files (an e-ticket, a hotel bill) are the only receipts. An image is decoded
and written again without what the camera put around the pixels: EXIF (GPS position, camera
model, serial numbers, time), XMP and text chunks. The phone already drops them when it shrinks
a photo on a canvas; the server does it too because a file picked from the gallery may be sent
untouched. The orientation EXIF carried is applied to the pixels first, so the picture stays
upright. This is Pillow's only home in the server.
"""

import io
import warnings
from dataclasses import dataclass
from typing import Any, Final

from PIL import Image, ImageOps, UnidentifiedImageError

from server.domain.errors import FieldError, InvalidInput, UnsupportedMedia

MAX_RECEIPT_BYTES: Final = 10 * 1024 * 1024
"""A receipt is at most 10 MB: a phone photo shrunk on the phone weighs ≤ 400 KB, an untouched
12 MP photo 3 to 6 MB, a scanned PDF a few MB."""

MAX_PIXELS: Final = 50_000_000
"""An image over 50 megapixels is refused before it is decoded (a small file can unpack into
gigabytes: a "decompression bomb")."""

ORIENTATION: Final = 0x0112
"""The EXIF tag saying how the camera was held."""

_FORMATS: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class CleanReceipt:
    media_type: str
    content: bytes


def sniff(head: bytes) -> str | None:
    """The media type the first bytes announce, among the receipt types, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _refuse_type() -> UnsupportedMedia:
    return UnsupportedMedia(
        "a receipt is a JPEG, PNG or WebP photo, or a PDF",
        errors=(FieldError("body", "unsupported_type", "JPEG, PNG, WebP or PDF"),),
    )


def clean(data: bytes) -> CleanReceipt:
    """The receipt as kept: a PDF as sent, an image re-encoded without its metadata.

    Raises:
        UnsupportedMedia: the bytes are none of the four types, or an image that does not decode.
        InvalidInput: an image over ``MAX_PIXELS``.
    """
    media_type = sniff(data[:16])
    if media_type is None:
        raise _refuse_type()
    if media_type == "application/pdf":
        if b"%%EOF" not in data[-1024:]:
            raise _refuse_type()
        return CleanReceipt(media_type, data)
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; ours is lower and checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in _FORMATS or _FORMATS[image.format] != media_type:
                raise _refuse_type()
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(
                    "the photo is too large",
                    errors=(
                        FieldError("body", "too_many_pixels", f"at most {MAX_PIXELS} pixels"),
                    ),
                )
            image.load()
            turned = image.getexif().get(ORIENTATION, 1) not in (None, 1)
            upright = ImageOps.exif_transpose(image) if turned else image
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise _refuse_type() from None
    return CleanReceipt(media_type, _without_metadata(upright, image.format, image.info))


def _without_metadata(image: Image.Image, kind: str, info: dict[Any, Any]) -> bytes:
    """Write the pixels again, keeping only the colour profile (how colours are meant to look)."""
    out = io.BytesIO()
    keep: dict[str, object] = {}
    if isinstance(info.get("icc_profile"), bytes):
        keep["icc_profile"] = info["icc_profile"]
    if kind == "JPEG" and image.format == "JPEG":
        # Untouched pixels: the same quantization tables, so the file does not grow (a photo
        # the phone shrank to ≤ 400 KB stays about that size).
        image.save(out, "JPEG", quality="keep", **keep)
    elif kind == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90, optimize=True, **keep)
    elif kind == "PNG":
        image.save(out, "PNG", optimize=True, **keep)
    else:
        image.save(out, "WEBP", quality=90, **keep)
    return out.getvalue()
