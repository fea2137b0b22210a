"""The wire atoms: printable text checked in pydantic-core refuses exactly what `printable`
refuses, with the same error, and a string's lengths are still checked by field."""

from typing import Annotated, Any

import pytest
from pydantic import StringConstraints, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from sync.protocol import LineValue, Mutation, SetDayArgs
from sync.wire import _CONTROL, CONTROL_CHARACTER, CONTROL_MESSAGE, Printable, printable

LENGTHS_FIRST = TypeAdapter(Annotated[str, StringConstraints(max_length=80), Printable])
PRINTABLE_FIRST = TypeAdapter(Annotated[str, Printable, StringConstraints(max_length=80)])


def _accepts(adapter: TypeAdapter[str], text: str) -> bool:
    try:
        adapter.validate_python(text)
    except ValidationError as error:
        [problem] = error.errors()
        assert (problem["type"], problem["msg"]) == (CONTROL_CHARACTER, CONTROL_MESSAGE)
        return False
    return True


def test_the_native_check_refuses_exactly_the_code_points_printable_refuses() -> None:
    """Every code point a JSON string can hold (no lone surrogates), alone and inside text."""
    for code in (*range(0xD800), *range(0xE000, 0x110000)):
        char = chr(code)
        expected = _CONTROL.search(char) is None
        assert _accepts(LENGTHS_FIRST, char) is expected, hex(code)
        if code < 0x200 or not expected:
            assert _accepts(PRINTABLE_FIRST, f"a{char}\n") is expected, hex(code)


@pytest.mark.parametrize("text", ["nul\x00byte", "bell\x07", "del\x7f", "c1\x85", "esc\x1b["])
def test_a_control_character_is_refused_with_printable_s_error(text: str) -> None:
    with pytest.raises(ValidationError) as native:
        LENGTHS_FIRST.validate_python(text)
    with pytest.raises(PydanticCustomError) as python:
        printable(text)
    [problem] = native.value.errors()
    assert (problem["type"], problem["msg"]) == (CONTROL_CHARACTER, str(python.value))


@pytest.mark.parametrize("text", ["", "tab\tand\nlines\r\n", "éà😀", "x" * 80])
def test_printable_text_is_kept_as_it_came(text: str) -> None:
    assert LENGTHS_FIRST.validate_python(text) == text
    assert PRINTABLE_FIRST.validate_python(text) == text


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"comment": "x" * 2001}, "comment"),
        ({"comment": "é" * 2001}, "comment"),
        ({"hlc": "1" * 81}, "hlc"),
        ({"comment": 5}, "comment"),
        ({"hlc": "1795000000000:0000:\x00"}, "hlc"),
        ({"lines": [{"line": "", "half_days": 2}]}, "lines.0.line"),
        ({"lines": [{"line": "m" * 81, "half_days": 2}]}, "lines.0.line"),
        ({"lines": [{"line": "mission:\x9f", "half_days": 2}]}, "lines.0.line"),
    ],
)
def test_a_day_s_text_out_of_bounds_is_refused_naming_its_field(
    args: dict[str, Any], field: str
) -> None:
    day = {"date": "2026-11-16", "epoch": 0, "lines": [], "hlc": "1795000000000:0000:a"}
    with pytest.raises(ValidationError) as error:
        SetDayArgs.model_validate(day | args)
    assert [".".join(map(str, e["loc"])) for e in error.value.errors()] == [field]


def test_lengths_count_code_points() -> None:
    """A length is in characters (code points), as the day rules and the phone count it."""
    assert (
        SetDayArgs.model_validate(
            {"date": "2026-11-16", "epoch": 0, "lines": [], "hlc": "h", "comment": "😀" * 2000}
        ).comment
        == "😀" * 2000
    )
    assert LineValue.model_validate({"line": "é" * 80, "half_days": 1}).line == "é" * 80


@pytest.mark.parametrize("args", [5, "x", [], None, True])
def test_a_mutation_s_args_must_be_an_object(args: object) -> None:
    with pytest.raises(ValidationError) as error:
        Mutation.model_validate({"id": 1, "name": "set_day", "args": args}, strict=False)
    [problem] = error.value.errors()
    assert (problem["loc"], problem["type"]) == (("args",), "dict_type")
    assert problem["msg"] == "Input should be a valid dictionary"


def test_a_mutation_s_args_are_kept_as_decoded() -> None:
    """The envelope does not copy them: they are checked when the mutation is run."""
    args = {"date": "2026-11-16", "anything": [1, {"x": None}]}
    mutation = Mutation.model_validate({"id": 1, "name": "set_day", "args": args}, strict=False)
    assert mutation.args is args
