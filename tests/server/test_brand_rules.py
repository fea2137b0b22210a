"""The brand's pure rules (`server/domain/brand.py`): WCAG 2.1 contrast, colours, logo."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain import brand
from server.domain.errors import InvalidInput

WHITE = brand.Rgb(255, 255, 255)


def ratio(hex_colour: str) -> float:
    return brand.contrast_ratio(brand.parse_colour(hex_colour, field="x"), WHITE)


def test_hand_computed_ratios_against_white() -> None:
    # #767676: each channel 118/255 = 0.4627 → ((0.4627+0.055)/1.055)^2.4 = 0.1812;
    # (1.05)/(0.1812+0.05) = 4.54. #777777: 119/255 → 0.1844 → 4.48.
    assert round(ratio("#767676"), 2) == 4.54
    assert round(ratio("#777777"), 2) == 4.48
    assert round(ratio("#000000"), 2) == 21.0
    assert round(ratio("#ffffff"), 2) == 1.0
    assert round(ratio(brand.DEFAULT_PRIMARY), 2) == 8.66


def test_a_colour_reaching_aa_passes_normalised() -> None:
    assert brand.readable_colour("#767676", field="primary_color") == "#767676"
    assert brand.readable_colour(" #1F4E79 ", field="primary_color") == "#1f4e79"


def test_a_colour_below_aa_is_refused_with_its_ratio() -> None:
    with pytest.raises(InvalidInput) as refused:
        brand.readable_colour("#777777", field="primary_color")
    (error,) = refused.value.errors
    assert (error.field, error.code) == ("primary_color", "low_contrast")
    assert "4.48:1" in error.message and "4.5:1" in error.message


def test_a_ratio_is_never_rounded_up_to_a_pass() -> None:
    # 4.4999… must not show as 4.50 next to a refusal.
    with pytest.raises(InvalidInput) as refused:
        brand.readable_colour("#777777", field="accent_color")
    assert "4.50" not in refused.value.errors[0].message


@pytest.mark.parametrize("text", ["red", "#fff", "#12345g", "1f4e79", "#1f4e7900", ""])
def test_anything_but_rrggbb_is_refused_on_its_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        brand.parse_colour(text, field="accent_color")
    assert refused.value.errors[0].field == "accent_color"
    assert refused.value.errors[0].code == "invalid"


def test_every_refusal_of_a_brand_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        brand.checked(
            brand.BrandInput(
                app_name="x" * 61,
                short_name="<b>",
                primary_color="#777777",
                accent_color="#ffff00",
                email_sender_name="Alpha, <x>",
                email_footer="",
            )
        )
    fields = {e.field for e in refused.value.errors}
    assert fields == {
        "app_name",
        "short_name",
        "primary_color",
        "accent_color",
        "email_sender_name",
    }


def test_a_brand_without_names_keeps_carnets() -> None:
    checked = brand.checked(brand.BrandInput("", "", "#0b5d1e", "", "", ""))
    assert (checked.app_name, checked.short_name, checked.invoice_color) == (
        "Carnet",
        "Carnet",
        "#0b5d1e",
    )


def _png(width: int, height: int) -> bytes:
    return (
        brand.PNG_SIGNATURE
        + b"\0\0\0\rIHDR"
        + width.to_bytes(4, "big")
        + height.to_bytes(4, "big")
        + b"\x08\x06\0\0\0"
    )


def test_a_logo_must_be_a_small_png() -> None:
    assert brand.checked_logo(_png(256, 128)) == (256, 128)
    for data, code in (
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not_png"),
        (_png(32, 32), "bad_size"),
        (_png(4000, 100), "bad_size"),
        (_png(256, 256) + b"\0" * brand.LOGO_MAX_BYTES, "too_large"),
    ):
        with pytest.raises(InvalidInput) as refused:
            brand.checked_logo(data)
        assert (refused.value.errors[0].field, refused.value.errors[0].code) == ("logo", code)


channels = st.builds(brand.Rgb, *(st.integers(0, 255),) * 3)


@given(channels, channels)
def test_the_ratio_is_symmetric_and_between_1_and_21(one: brand.Rgb, two: brand.Rgb) -> None:
    forward = brand.contrast_ratio(one, two)
    assert forward == brand.contrast_ratio(two, one)
    assert 1.0 <= forward <= 21.0 + 1e-9


@given(channels)
def test_a_darker_shade_never_reads_worse_on_white(colour: brand.Rgb) -> None:
    shade = brand.parse_colour(brand.darker(colour.hex), field="x")
    assert brand.contrast_ratio(shade, WHITE) >= brand.contrast_ratio(colour, WHITE) - 1e-9
