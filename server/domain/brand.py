"""A firm's brand (white label): the rules on its colours, names and logo, without storage.

Colours are checked against WCAG 2.1 success criterion 1.4.3 (Contrast, minimum, level AA):
text needs a contrast ratio of at least 4.5:1 with its background. The brand's colours are used
two ways in the app and on the invoice: as the background of white text (the header, buttons)
and as the colour of text on the white surface (links, headings, the invoice's titles). Both
pairs are the same pair, the colour against white #ffffff, so that is the one checked. (The page
background #f5f7fa is lighter than any colour that passes against white by less than the
margin the rule keeps: a colour at 4.5:1 on white is still above 4.2:1 on it; the app's text on
the page background is never in the brand colour, only on the white surface.) The dark colour
scheme keeps Carnet's own palette: a brand colour dark enough for white text is unreadable as
text on a dark background.

Relative luminance and contrast ratio: WCAG 2.1, "relative luminance" and "contrast ratio"
definitions (sRGB, linearised with the 0.03928 threshold as the recommendation writes it).
"""

import re
from dataclasses import dataclass

from server.domain.errors import FieldError, InvalidInput

AA_TEXT = 4.5
"""WCAG 2.1 SC 1.4.3: the minimum contrast ratio of normal text (level AA)."""

WHITE = "#ffffff"
"""What the brand colour is checked against: white text on it, it as text on white."""

DEFAULT_PRIMARY = "#1f4e79"
"""Carnet's own colour (pwa/css/app.css `--primary`), the brand of a firm that set none."""

DEFAULT_NAME = "Carnet"

NAME_MAX = 60
SHORT_NAME_MAX = 12
SENDER_MAX = 60
FOOTER_MAX = 500

LOGO_MAX_BYTES = 200_000
"""A logo is shown small (header, invoice, icons); 200 KB is plenty for a PNG of 512×512."""
LOGO_MIN_SIDE = 64
LOGO_MAX_SIDE = 2048
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_HEX = re.compile(r"#[0-9a-f]{6}")


@dataclass(frozen=True)
class Rgb:
    red: int
    green: int
    blue: int

    @property
    def hex(self) -> str:
        return f"#{self.red:02x}{self.green:02x}{self.blue:02x}"


def parse_colour(value: str, *, field: str) -> Rgb:
    """`#rrggbb` (either case) as three 0-255 channels; anything else is refused on `field`."""
    text = value.strip().lower()
    if not _HEX.fullmatch(text):
        msg = f"{value!r} is not a colour written #rrggbb"
        raise InvalidInput(msg, errors=(FieldError(field=field, code="invalid", message=msg),))
    return Rgb(int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))


def _linear(channel: int) -> float:
    srgb = channel / 255
    return srgb / 12.92 if srgb <= 0.03928 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: Rgb) -> float:
    """WCAG 2.1 relative luminance: 0 for black, 1 for white."""
    return (
        0.2126 * _linear(colour.red)
        + 0.7152 * _linear(colour.green)
        + 0.0722 * _linear(colour.blue)
    )


def contrast_ratio(first: Rgb, second: Rgb) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05), L1 the lighter: from 1 to 21."""
    one, two = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(one, two), min(one, two)
    return (lighter + 0.05) / (darker + 0.05)


def readable_colour(value: str, *, field: str) -> str:
    """The colour, normalised to lower-case `#rrggbb`, if white text on it (and it as text on
    white) reaches AA; else refused on `field` with the measured ratio."""
    colour = parse_colour(value, field=field)
    ratio = contrast_ratio(colour, parse_colour(WHITE, field=field))
    if ratio < AA_TEXT:
        shown = min(f"{ratio:.2f}", "4.49")  # 4.497 is not shown as a pass of 4.50
        msg = (
            f"{colour.hex} against white has a contrast of {shown}:1; text needs at least "
            f"4.5:1 (WCAG 2.1, 1.4.3, level AA): choose a darker colour"
        )
        error = FieldError(field=field, code="low_contrast", message=msg)
        raise InvalidInput(msg, errors=(error,))
    return colour.hex


def darker(value: str, *, by: float = 0.2) -> str:
    """The colour mixed `by` toward black: the hover shade of a button (darker still reads)."""
    colour = parse_colour(value, field="colour")
    return Rgb(*(round(c * (1 - by)) for c in (colour.red, colour.green, colour.blue))).hex


@dataclass(frozen=True)
class BrandInput:
    """What an administrator sets; empty strings where they keep Carnet's default."""

    app_name: str
    short_name: str
    primary_color: str
    accent_color: str
    email_sender_name: str
    email_footer: str


@dataclass(frozen=True)
class Brand:
    """A brand as checked: colours normalised, names trimmed; accent empty = the primary."""

    app_name: str
    short_name: str
    primary_color: str
    accent_color: str
    email_sender_name: str
    email_footer: str

    @property
    def invoice_color(self) -> str:
        return self.accent_color or self.primary_color


DEFAULT = Brand(
    app_name=DEFAULT_NAME,
    short_name=DEFAULT_NAME,
    primary_color=DEFAULT_PRIMARY,
    accent_color="",
    email_sender_name="",
    email_footer="",
)


def _text(value: str, *, field: str, limit: int, errors: list[FieldError]) -> str:
    text = " ".join(value.split()) if field != "email_footer" else value.strip()
    if len(text) > limit:
        errors.append(FieldError(field, "too_long", f"at most {limit} characters"))
    if any(ord(c) < 32 and c not in "\n\t" for c in text) or "<" in text or ">" in text:
        errors.append(FieldError(field, "invalid", "no control characters, no < or >"))
    return text


def checked(new: BrandInput) -> Brand:
    """The brand an administrator asked for, every refusal at once (field, code, reason)."""
    errors: list[FieldError] = []
    app_name = _text(new.app_name, field="app_name", limit=NAME_MAX, errors=errors)
    short_name = _text(new.short_name, field="short_name", limit=SHORT_NAME_MAX, errors=errors)
    sender = _text(
        new.email_sender_name, field="email_sender_name", limit=SENDER_MAX, errors=errors
    )
    footer = _text(new.email_footer, field="email_footer", limit=FOOTER_MAX, errors=errors)
    if any(c in sender for c in '"\\,;:@\n'):
        errors.append(
            FieldError("email_sender_name", "invalid", 'no " \\ , ; : or @ in a sender name')
        )
    colours: dict[str, str] = {}
    for field, value in (("primary_color", new.primary_color), ("accent_color", new.accent_color)):
        if field == "accent_color" and not value.strip():
            colours[field] = ""
            continue
        try:
            colours[field] = readable_colour(value, field=field)
        except InvalidInput as refusal:
            errors.extend(refusal.errors)
    if errors:
        raise InvalidInput("the brand is not valid", errors=tuple(errors))
    return Brand(
        app_name=app_name or DEFAULT_NAME,
        short_name=short_name or (app_name[:SHORT_NAME_MAX] if app_name else DEFAULT_NAME),
        primary_color=colours["primary_color"],
        accent_color=colours["accent_color"],
        email_sender_name=sender,
        email_footer=footer,
    )


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG from its IHDR chunk (PNG spec §11.2.2), or None if the bytes
    are not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def checked_logo(data: bytes) -> tuple[int, int]:
    """A logo is a PNG (no SVG: it can carry script), at most 200 KB, 64 to 2048 px a side."""
    field = "logo"
    if len(data) > LOGO_MAX_BYTES:
        msg = f"the logo is {len(data)} bytes; at most {LOGO_MAX_BYTES}"
        raise InvalidInput(msg, errors=(FieldError(field, "too_large", msg),))
    size = png_size(data)
    if size is None:
        msg = "the logo must be a PNG image"
        raise InvalidInput(msg, errors=(FieldError(field, "not_png", msg),))
    width, height = size
    if not (LOGO_MIN_SIDE <= width <= LOGO_MAX_SIDE and LOGO_MIN_SIDE <= height <= LOGO_MAX_SIDE):
        msg = (
            f"the logo is {width}×{height} px; each side must be "
            f"{LOGO_MIN_SIDE} to {LOGO_MAX_SIDE} px"
        )
        raise InvalidInput(msg, errors=(FieldError(field, "bad_size", msg),))
    return size
