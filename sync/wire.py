"""The atoms of every wire schema: whole numbers and printable text, with their bounds.

The sync protocol (`sync/protocol.py`) and the HTTP API (`server/api/*schemas*.py`) build their
fields from these types only, so a value the schema accepts always fits where it goes:

- A JSON number is read by the phone as a JavaScript Number, exact only up to 2**53 - 1
  (ECMA-262 §21.1.2.6, ``Number.MAX_SAFE_INTEGER``); the audit log's canonical JSON refuses
  larger integers for the same reason (I-JSON, RFC 7493 §2.2). That is the ceiling of every
  whole number, well inside the signed 64-bit columns (``BigInt``) that store versions and ids.
- Counters stored in 32-bit columns (``Integer``: epochs, circuit steps, positions) stop at
  2**31 - 1.
- Text refuses the C0 controls but tab and line breaks (PostgreSQL cannot store NUL), DEL and
  the C1 controls U+0080 to U+009F (Unicode §23.1: no meaning of their own in text; a comment
  is typed, never pasted from a terminal).

Integers are whole JSON integers: the web framework validates with ``strict=False``, which would
otherwise take ``"2"``, ``2.0`` and ``true``; `Whole` checks the type before pydantic coerces,
and keeps the bounds in the JSON schema (``minimum``/``maximum``) the OpenAPI document shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer every consumer of our JSON reads exactly (JavaScript, I-JSON)."""

INT32_MAX: Final = 2**31 - 1
"""The largest value of a 32-bit column."""


def _whole_number(value: object) -> object:
    if type(value) is not int:
        raise PydanticCustomError("int_type", "must be a whole number")
    return value


@dataclass(frozen=True)
class Whole:
    """Marks an ``int`` field as a JSON integer within ``[ge, le]``: ``Annotated[int, Whole()]``.

    Out-of-range values are refused by the schema (422 on the API, a per-mutation rejection in a
    sync batch), before anything reaches storage, the audit log or the wire.
    """

    ge: int = -MAX_SAFE_INTEGER
    le: int = MAX_SAFE_INTEGER

    def __post_init__(self) -> None:
        if not -MAX_SAFE_INTEGER <= self.ge <= self.le <= MAX_SAFE_INTEGER:
            msg = f"bounds [{self.ge}, {self.le}] must lie within ±(2**53 - 1)"
            raise ValueError(msg)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(
            _whole_number, core_schema.int_schema(ge=self.ge, le=self.le)
        )


SafeInt = Annotated[int, Whole()]
"""Any whole number a JSON consumer reads exactly."""
Count = Annotated[int, Whole(ge=0)]
"""A whole number from 0: versions, mutation ids, cursors."""
SmallCount = Annotated[int, Whole(ge=0, le=INT32_MAX)]
"""A whole number from 0 kept in a 32-bit column: epochs, circuit steps, positions."""
SmallInt = Annotated[int, Whole(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""A signed whole number kept in a 32-bit column (half-days: the day rules say which)."""


# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
NO_CONTROL = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
"""The same set as a JSON-schema pattern (ECMA-262 and Python regex syntax alike)."""


CONTROL_CHARACTER: Final = "control_character"
CONTROL_MESSAGE: Final = (
    "must not contain control characters (U+0000 to U+001F except tab and line breaks, "
    "U+007F to U+009F)"
)


def printable(value: str) -> str:
    """Refuse control characters (see the module docstring for which)."""
    if _CONTROL.search(value):
        raise PydanticCustomError(CONTROL_CHARACTER, CONTROL_MESSAGE)
    return value


_NO_CONTROL_SCHEMA: Final = core_schema.custom_error_schema(
    core_schema.str_schema(pattern=NO_CONTROL),
    custom_error_type=CONTROL_CHARACTER,
    custom_error_message=CONTROL_MESSAGE,
)
"""`printable` in pydantic-core: the same set (a JSON string cannot hold a lone surrogate, the
one thing its Rust regex cannot read), the same error, without a Python call per value."""


@dataclass(frozen=True)
class _Printable:
    """Annotate a ``str`` with `Printable`; its JSON schema says so with `NO_CONTROL` (a field
    with a pattern of its own must exclude the controls itself).

    The check runs in pydantic-core after the string's own schema (`_NO_CONTROL_SCHEMA`): a
    push validates it thousands of times (docs/benchmarks.md, issue 12). Put `Printable` after
    a `StringConstraints`, ``Annotated[str, StringConstraints(max_length=80), Printable]``, and
    the lengths are checked in pydantic-core too; before it, pydantic checks them in Python."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.chain_schema([handler(source), _NO_CONTROL_SCHEMA])

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", NO_CONTROL)
        return json_schema


Printable = _Printable()
"""Annotate a ``str`` with it: ``Annotated[str, StringConstraints(...), Printable]``."""
