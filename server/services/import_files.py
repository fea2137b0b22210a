"""A spreadsheet file as text rows: CSV (standard library) or XLSX (openpyxl, read-only).

What an ESN's former tool or Excel writes: CSV separated by semicolons (Excel in French) or
commas, in UTF-8 with or without its byte-order mark, or in Windows-1252 (Excel's "CSV"
on a French Windows); or an XLSX workbook, whose first sheet is read unless one is named for
the kind (`Personnes`, `Clients`, `Missions`, or in English). Dates of a workbook come out
as ISO text and numbers without a float's tail, so that the rows read the same whichever
format the file came in (`server.domain.imports` reads the text).
"""

import csv
import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from server.domain.errors import (
    DomainError,
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    UnsupportedMedia,
)
from server.domain.imports import MAX_ROWS, Kind, Sheet, normalise_header

MAX_BYTES = 2_000_000
"""Largest file taken: 10,000 rows of missions fit in well under a megabyte."""
MAX_COLUMNS = 60

XLSX = "xlsx"
CSV = "csv"
SHEET_NAMES: dict[Kind, set[str]] = {
    "people": {"personnes", "people", "collaborateurs", "consultants"},
    "clients": {"clients", "customers", "societes"},
    "missions": {"missions"},
}


def _refusal(code: str, message: str, cls: type[DomainError] = InvalidInput) -> DomainError:
    return cls(message, errors=(FieldError(field="file", code=code, message=message),))


def file_type(content: bytes, file_name: str) -> str:
    """CSV or XLSX, from the bytes first (a renamed file is read for what it is)."""
    if content.startswith(b"PK\x03\x04"):
        return XLSX
    name = file_name.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".ods", ".numbers")):
        msg = "this spreadsheet format is not read: save it as .xlsx or as CSV"
        raise _refusal("unsupported_type", msg, UnsupportedMedia)
    if b"\x00" in content[:4096]:
        msg = "this file is neither CSV nor XLSX"
        raise _refusal("unsupported_type", msg, UnsupportedMedia)
    return CSV


def read_sheet(content: bytes, *, file_name: str, kind: Kind) -> Sheet:
    """The header and rows of the file, or a refusal naming the file (too big, not a
    spreadsheet, unreadable)."""
    if len(content) > MAX_BYTES:
        msg = f"the file is larger than {MAX_BYTES // 1_000_000} MB: split it"
        raise _refusal("file_too_large", msg, PayloadTooLarge)
    if not content.strip():
        raise _refusal("empty_file", "the file is empty")
    if file_type(content, file_name) == XLSX:
        rows = _xlsx_rows(content, kind)
    else:
        rows = _csv_rows(content)
    # Blank lines above the header are skipped, and counted: rows keep Excel's numbers.
    skipped = 0
    while skipped < len(rows) and not any(c.strip() for c in rows[skipped]):
        skipped += 1
    if skipped == len(rows):
        raise _refusal("empty_file", "the file is empty")
    return Sheet(header=rows[skipped], rows=rows[skipped + 1 :], header_row=skipped + 1)


def decode(content: bytes) -> str:
    """UTF-8 (its BOM dropped) when the bytes are UTF-8, else Windows-1252."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_rows(content: bytes) -> list[list[str]]:
    text = decode(content)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        msg = f"the CSV file cannot be read: {error}"
        raise _refusal("unreadable_file", msg) from None
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # 650.0 is "650"; 650.5 is "650.5" (read as an amount or days, never as a float).
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_rows(content: bytes, kind: Kind) -> list[list[str]]:
    from openpyxl import load_workbook  # the one home of openpyxl in the server

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        msg = f"the XLSX file cannot be read: {error}"
        raise _refusal("unreadable_file", msg) from None
    try:
        sheets = workbook.worksheets
        named = [s for s in sheets if normalise_header(s.title) in SHEET_NAMES[kind]]
        sheet = (named or sheets)[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        msg = f"the XLSX file cannot be read: {error}"
        raise _refusal("unreadable_file", msg) from None
    finally:
        workbook.close()
