"""A firm's brand, white label (docs/brand.md): read by anyone on the firm's host, set by its
administrators (audited as `organisation.brand_changed`), applied to the web app manifest, the
page's colours, the e-mails and the invoice.

The brand is data: the app shell stays the same bytes for every firm; what differs per host is
the manifest, a small style sheet of colour variables and the images, made from this.
"""

import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from server.domain import brand as rules
from server.domain.access import ensure_role
from server.domain.errors import FieldError, InvalidInput
from server.domain.roles import Actor, Role
from server.services import audit_log
from server.services.clock import Clock
from server.storage import brand_store as store
from server.storage import repositories as repo

ICON_SIDES = (192, 512)
ICON_LOGO_SHARE = 0.8
"""The logo fills 80 % of the icon's side: inside the safe zone of a maskable icon (a circle
of 80 % of the side, W3C Web App Manifest, "maskable" purpose), so one icon serves both."""


@dataclass(frozen=True)
class FirmBrand:
    """The brand as served: Carnet's own look where the firm set nothing."""

    brand: rules.Brand
    has_logo: bool
    version: str
    """Changes whenever anything of the brand changes: the caches' key."""
    customised: bool


DEFAULT = FirmBrand(brand=rules.DEFAULT, has_logo=False, version="default", customised=False)


async def brand_of(organisation_id: str | None) -> FirmBrand:
    """The firm's brand; Carnet's for a firm without one (or no firm)."""
    stored = await store.brand_of(organisation_id) if organisation_id else None
    if stored is None:
        return DEFAULT
    return FirmBrand(
        brand=rules.Brand(
            app_name=stored.app_name or rules.DEFAULT_NAME,
            short_name=stored.short_name or stored.app_name[:12] or rules.DEFAULT_NAME,
            primary_color=stored.primary_color or rules.DEFAULT_PRIMARY,
            accent_color=stored.accent_color,
            email_sender_name=stored.email_sender_name,
            email_footer=stored.email_footer,
        ),
        has_logo=stored.has_logo,
        version=stored.version or "default",
        customised=True,
    )


async def image_of(organisation_id: str | None, name: str) -> bytes:
    """`logo`, `icon_192` or `icon_512` of the firm; empty when it has no logo."""
    return await store.image_of(organisation_id, name) if organisation_id else b""


def _version(fields: dict[str, Any], logo: bytes) -> str:
    digest = hashlib.sha256(repr(sorted(fields.items())).encode() + hashlib.sha256(logo).digest())
    return digest.hexdigest()[:16]


async def _save(actor: Actor, fields: dict[str, Any], *, logo: bytes | None, clock: Clock) -> None:
    """Write the changed fields and the new version, and audit the change, in one transaction."""
    current = await brand_of(actor.organisation_id)
    texts = {
        "app_name": current.brand.app_name if current.customised else "",
        "short_name": current.brand.short_name if current.customised else "",
        "primary_color": current.brand.primary_color if current.customised else "",
        "accent_color": current.brand.accent_color,
        "email_sender_name": current.brand.email_sender_name,
        "email_footer": current.brand.email_footer,
    }
    texts.update({k: v for k, v in fields.items() if k in texts})
    if logo is None:
        logo = await store.image_of(actor.organisation_id, "logo")
    row = {**fields, "version": _version(texts, logo), "updated_at": clock()}
    async with repo.write_transaction():
        await store.save_brand(actor.organisation_id, row)
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="organisation.brand_changed",
            subject=f"organisation:{actor.organisation_id}",
            actor_id=actor.person_id,
            data={
                **{k: v for k, v in fields.items() if k in texts},
                **(
                    {
                        "logo_sha256": hashlib.sha256(fields["logo"]).hexdigest()
                        if fields["logo"]
                        else ""
                    }
                    if "logo" in fields
                    else {}
                ),
            },
            at=clock(),
        )


async def update(actor: Actor, new: rules.BrandInput, *, clock: Clock) -> FirmBrand:
    """Set the firm's names, colours and mail texts, whole (administrators only). A colour
    below WCAG AA against white is refused on its field with the ratio measured."""
    ensure_role(actor, Role.ADMIN)
    checked = rules.checked(new)
    await _save(
        actor,
        {
            "app_name": checked.app_name if new.app_name.strip() else "",
            "short_name": checked.short_name if new.short_name.strip() else "",
            "primary_color": checked.primary_color,
            "accent_color": checked.accent_color,
            "email_sender_name": checked.email_sender_name,
            "email_footer": checked.email_footer,
        },
        logo=None,
        clock=clock,
    )
    return await brand_of(actor.organisation_id)


def _decoded(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != "PNG":
                raise UnidentifiedImageError
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        msg = "the logo could not be read as a PNG image"
        raise InvalidInput(msg, errors=(FieldError("logo", "not_png", msg),)) from error
    return image.convert("RGBA")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def icon(logo: Image.Image, side: int) -> bytes:
    """A square icon: the logo centred on white, within the maskable safe zone."""
    canvas = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    fitted = logo.copy()
    inner = int(side * ICON_LOGO_SHARE)
    fitted.thumbnail((inner, inner), Image.Resampling.LANCZOS)
    canvas.alpha_composite(fitted, ((side - fitted.width) // 2, (side - fitted.height) // 2))
    return _png(canvas.convert("RGB"))


async def set_logo(actor: Actor, png_base64: str, *, clock: Clock) -> FirmBrand:
    """Store the firm's logo (administrators only): a PNG in base64, checked (size, type,
    sides), decoded and re-encoded so nothing but the pixels is kept, and the manifest's icons
    made from it."""
    ensure_role(actor, Role.ADMIN)
    try:
        data = base64.b64decode(png_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        msg = "png_base64 is not base64"
        raise InvalidInput(msg, errors=(FieldError("png_base64", "invalid", msg),)) from error
    rules.checked_logo(data)
    image = _decoded(data)
    logo = _png(image)
    fields = {
        "logo": logo,
        "icon_192": icon(image, ICON_SIDES[0]),
        "icon_512": icon(image, ICON_SIDES[1]),
    }
    await _save(actor, fields, logo=logo, clock=clock)
    return await brand_of(actor.organisation_id)


async def remove_logo(actor: Actor, *, clock: Clock) -> FirmBrand:
    """Forget the firm's logo (administrators only): Carnet's icons again."""
    ensure_role(actor, Role.ADMIN)
    await _save(actor, {"logo": b"", "icon_192": b"", "icon_512": b""}, logo=b"", clock=clock)
    return await brand_of(actor.organisation_id)
