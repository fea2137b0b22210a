"""Storage of firms' brands (docs/brand.md): one `firm_brand` row per firm that set one."""

from dataclasses import dataclass
from typing import Any

from server.storage import tables as t

TEXT_COLUMNS = (
    t.FirmBrand.app_name,
    t.FirmBrand.short_name,
    t.FirmBrand.primary_color,
    t.FirmBrand.accent_color,
    t.FirmBrand.email_sender_name,
    t.FirmBrand.email_footer,
    t.FirmBrand.version,
)


@dataclass(frozen=True)
class StoredBrand:
    """A brand row as stored; `has_logo` without the logo's bytes (read on their own)."""

    app_name: str
    short_name: str
    primary_color: str
    accent_color: str
    email_sender_name: str
    email_footer: str
    version: str
    has_logo: bool


async def brand_of(organisation_id: str) -> StoredBrand | None:
    """The firm's brand texts, without the images (one statement)."""
    row = (
        await t.FirmBrand.select(*TEXT_COLUMNS, t.FirmBrand.logo.as_alias("logo"))
        .where(t.FirmBrand.organisation == organisation_id)
        .first()
    )
    if row is None:
        return None
    return StoredBrand(
        **{column._meta.name: str(row[column._meta.name] or "") for column in TEXT_COLUMNS},
        has_logo=bool(row["logo"]),
    )


async def image_of(organisation_id: str, name: str) -> bytes:
    """One of the brand's images (`logo`, `icon_192`, `icon_512`); empty bytes for none."""
    column = {
        "logo": t.FirmBrand.logo,
        "icon_192": t.FirmBrand.icon_192,
        "icon_512": t.FirmBrand.icon_512,
    }[name]
    row = (
        await t.FirmBrand.select(column).where(t.FirmBrand.organisation == organisation_id).first()
    )
    return bytes(row[name]) if row and row[name] else b""


async def save_brand(organisation_id: str, fields: dict[str, Any]) -> None:
    """Insert or update the firm's row; runs inside the caller's write transaction."""
    exists = await t.FirmBrand.exists().where(t.FirmBrand.organisation == organisation_id)
    if exists:
        await t.FirmBrand.update(
            {getattr(t.FirmBrand, name): value for name, value in fields.items()}
        ).where(t.FirmBrand.organisation == organisation_id)
    else:
        await t.FirmBrand(organisation=organisation_id, **fields).save()
