"""Rows of a spreadsheet an ESN exports from its former tool, read as people, clients or
missions to create (issue 14, "Import").

Pure: the file is already cut into a header and rows of text (`server/imports_files.py`), and
what the organisation already holds comes in as `Known`. Each kind has its columns, named by
their French header first, English accepted; a header matches whatever its case, accents,
punctuation and spacing. Cells are read the French way: `12/01/2026` or `2026-01-12` for a
date, `650,50 €` or `1 200` for an amount in euros (kept in integer cents), `12,5` days for a
cap (kept in half-days), `oui`/`non` for a flag.

Every refusal names the spreadsheet's row (the header is row 1, as Excel numbers it), the
column as written in the file, and a stable code the app translates (French and English);
nothing is written from a file with any refusal (the service runs the plan all or nothing).
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeVar

from server.domain.identifiers import french_vat_for
from server.domain.roles import Role

T = TypeVar("T")
Kind = Literal["people", "clients", "missions"]
KINDS: tuple[Kind, ...] = ("people", "clients", "missions")
RowAction = Literal["create", "skip", "error"]
"""What an import does with a row: creates its record, skips it (already held: left as it
is), or refuses it (the row's errors say why)."""

MAX_ROWS = 10_000
"""Rows of one file: a firm of a few hundred people has a few thousand missions at most."""

# The columns the records are stored in (server/storage/tables.py) and the API accepts
# (server/api/schemas.py): a cell that would not fit is refused at its row.
EMAIL_MAX = 254
PERSON_NAME_MAX = 120
NAME_MAX = 200
ADDRESS_MAX = 500
RATE_MAX_CENTS = 10**9
AMOUNT_MAX_CENTS = 10**12
CAP_MAX_HALF_DAYS = 10**6

MESSAGES: dict[str, str] = {
    "missing_column": "this column is required and is not in the file",
    "duplicate_column": "two columns of the file mean the same thing",
    "required": "this cell is required",
    "too_long": "this cell is too long",
    "control_character": "this cell holds a control character",
    "invalid_email": "not an e-mail address",
    "invalid_role": "unknown role (consultant, manager, admin, signataire client)",
    "invalid_siren": "a SIREN is 9 digits",
    "invalid_vat": "a VAT number is 2 letters then 2 to 13 letters or digits",
    "invalid_date": "not a date (dd/mm/yyyy or yyyy-mm-dd)",
    "invalid_amount": "not an amount in euros (e.g. 650,50)",
    "invalid_days": "not a number of days in halves (e.g. 12,5)",
    "invalid_flag": "not oui/non",
    "invalid_billing_mode": "unknown billing mode (régie, régie plafonnée, forfait)",
    "invalid_region": "unknown public holidays (métropole, Alsace-Moselle, Guadeloupe, "
    "Martinique, Guyane, La Réunion, Mayotte)",
    "ends_before_start": "the end comes before the start",
    "rate_required": "time and materials needs a daily rate (TJM)",
    "cap_required": "capped time and materials needs a day cap",
    "amount_required": "a fixed price needs its amount and an end date",
    "duplicate_in_file": "the same record is on an earlier row of the file",
    "email_taken": "this e-mail belongs to a person of another organisation",
    "unknown_person": "no person with this e-mail, in the organisation or the file",
    "not_a_consultant": "this person is not a consultant",
    "not_a_manager": "this person is not a manager",
    "not_a_signer": "this person is not a signer of the mission's client",
    "unknown_client": "no client with this name or SIREN",
    "ambiguous_client": "several clients have this name: give the SIREN",
    "client_required": "a client signer needs their client",
    "signer_exclusive": "a client signer cannot hold the organisation's roles",
    "row_with_errors": "the row this one refers to has errors",
    "manager_loop": "these people are each other's managers, round a loop",
    "too_many_rows": "the file has too many rows",
    "empty_file": "the file holds no row under its header",
}


@dataclass(frozen=True)
class RowError:
    """One refused cell: the spreadsheet's row (header = 1), the column as the file names it,
    the record's field, a stable code (translated by the app) and an English sentence."""

    row: int
    column: str
    field: str
    code: str
    message: str


def row_error(row: int, column: str, fieldname: str, code: str) -> RowError:
    return RowError(row=row, column=column, field=fieldname, code=code, message=MESSAGES[code])


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]
    """Accepted headers, normalised (`normalise_header`); the first is the template's."""
    required: bool = False


def _c(key: str, *headers: str, required: bool = False) -> Column:
    return Column(key=key, headers=tuple(normalise_header(h) for h in headers), required=required)


def normalise_header(text: str) -> str:
    """`  Date de Début (JJ/MM) ` and `date_de_debut` both read `date de debut jj mm`."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())


COLUMNS: dict[Kind, tuple[Column, ...]] = {
    "people": (
        _c("email", "E-mail", "Email", "Courriel", "Adresse e-mail", "Mail", required=True),
        _c("first_name", "Prénom", "First name", "Given name"),
        _c("last_name", "Nom", "Nom de famille", "Last name", "Surname", "Family name"),
        _c("display_name", "Nom complet", "Nom affiché", "Full name", "Display name", "Name"),
        _c("roles", "Rôles", "Rôle", "Profil", "Roles", "Role"),
        _c("manager", "Manager", "E-mail du manager", "Responsable", "Manager email"),
        _c("client", "Client", "Société cliente", "Client company"),
    ),
    "clients": (
        _c(
            "legal_name",
            "Raison sociale",
            "Nom",
            "Société",
            "Legal name",
            "Company",
            "Name",
            required=True,
        ),
        _c("siren", "SIREN", "SIRET", "N° SIREN", required=True),
        _c(
            "vat_number",
            "TVA intracommunautaire",
            "Numéro de TVA",
            "N° TVA",
            "TVA",
            "VAT number",
            "VAT",
        ),
        _c("billing_address", "Adresse de facturation", "Adresse", "Billing address", "Address"),
        _c("postal_code", "Code postal", "CP", "Postal code", "Zip"),
        _c("city", "Ville", "City"),
    ),
    "missions": (
        _c(
            "consultant",
            "E-mail du consultant",
            "Consultant",
            "Collaborateur",
            "Consultant email",
            required=True,
        ),
        _c(
            "client",
            "Client",
            "Client (nom ou SIREN)",
            "SIREN client",
            "Client SIREN",
            required=True,
        ),
        _c("title", "Intitulé", "Mission", "Titre", "Libellé", "Title", required=True),
        _c("start_date", "Début", "Date de début", "Start date", "Start", required=True),
        _c("end_date", "Fin", "Date de fin", "End date", "End"),
        _c("billing_mode", "Mode de facturation", "Facturation", "Billing mode"),
        _c("daily_rate", "TJM (€)", "TJM", "TJM HT", "Taux journalier", "Daily rate", "Rate"),
        _c("day_cap", "Plafond (jours)", "Plafond", "Day cap", "Cap (days)"),
        _c(
            "fixed_price",
            "Montant forfait (€)",
            "Montant forfait",
            "Forfait (€)",
            "Fixed price",
            "Fixed price amount",
        ),
        _c("manager", "Validateur", "Manager", "E-mail du manager", "Approver"),
        _c("signer", "Signataire client", "E-mail du signataire", "Client signer"),
        _c("comments_required", "Commentaire obligatoire", "Comments required"),
        _c("calendar_region", "Jours fériés", "Calendrier", "Public holidays", "Calendar"),
        _c(
            "purchase_order",
            "Bon de commande",
            "N° de bon de commande",
            "Référence commande",
            "BC",
            "Purchase order",
            "PO",
            "PO number",
        ),
    ),
}


def template_header(kind: Kind) -> list[str]:
    """The columns of the downloadable template, French headers, in order."""
    return [
        TEMPLATE_HEADERS[kind][c.key] for c in COLUMNS[kind] if c.key in TEMPLATE_HEADERS[kind]
    ]


TEMPLATE_HEADERS: dict[Kind, dict[str, str]] = {
    "people": {
        "email": "E-mail",
        "first_name": "Prénom",
        "last_name": "Nom",
        "roles": "Rôles",
        "manager": "E-mail du manager",
        "client": "Client",
    },
    "clients": {
        "legal_name": "Raison sociale",
        "siren": "SIREN",
        "vat_number": "TVA intracommunautaire",
        "billing_address": "Adresse de facturation",
        "postal_code": "Code postal",
        "city": "Ville",
    },
    "missions": {
        "consultant": "E-mail du consultant",
        "client": "Client (nom ou SIREN)",
        "title": "Intitulé",
        "start_date": "Date de début",
        "end_date": "Date de fin",
        "billing_mode": "Mode de facturation",
        "daily_rate": "TJM (€)",
        "day_cap": "Plafond (jours)",
        "fixed_price": "Montant forfait (€)",
        "manager": "Validateur",
        "signer": "Signataire client",
        "comments_required": "Commentaire obligatoire",
        "calendar_region": "Jours fériés",
        "purchase_order": "Bon de commande",
    },
}

TEMPLATE_EXAMPLES: dict[Kind, list[list[str]]] = {
    "people": [
        ["claire.martin@exemple.fr", "Claire", "Martin", "manager", "", ""],
        ["paul.durand@exemple.fr", "Paul", "Durand", "consultant", "claire.martin@exemple.fr", ""],
    ],
    "clients": [
        ["Banque Exemple SA", "552 120 222", "", "1 rue de la Paix", "75002", "Paris"],
    ],
    "missions": [
        [
            "paul.durand@exemple.fr",
            "Banque Exemple SA",
            "Refonte du SI",
            "01/01/2027",
            "31/12/2027",
            "régie",
            "650,00",
            "",
            "",
            "claire.martin@exemple.fr",
            "",
            "non",
            "métropole",
            "BC-2027-001",
        ],
    ],
}


# -- what the organisation holds --------------------------------------------------------------


@dataclass(frozen=True)
class KnownPerson:
    id: str
    roles: frozenset[Role]
    client_company_id: str | None


@dataclass(frozen=True)
class KnownClient:
    id: str
    legal_name: str
    siren: str


@dataclass(frozen=True)
class Known:
    """What the organisation already holds, as the rows refer to it."""

    people: Mapping[str, KnownPerson] = field(default_factory=dict)
    """The organisation's people by lower-case e-mail."""
    foreign_emails: frozenset[str] = frozenset()
    """E-mails of the file held by other organisations (an e-mail is unique in Carnet)."""
    clients: tuple[KnownClient, ...] = ()
    missions: Mapping[tuple[str, str, str, date], str] = field(default_factory=dict)
    """Mission ids by (consultant id, client id, normalised title, start)."""


# -- what the rows become -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A person or client: one the organisation holds (`id`) or one a row of the file creates
    (`row`)."""

    id: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class PersonToCreate:
    row: int
    email: str
    display_name: str
    roles: frozenset[Role]
    manager: Ref | None
    client_id: str | None


@dataclass(frozen=True)
class ClientToCreate:
    row: int
    legal_name: str
    siren: str
    vat_number: str
    billing_address: str


@dataclass(frozen=True)
class MissionToCreate:
    row: int
    consultant_id: str
    client_id: str
    title: str
    start_date: date
    end_date: date | None
    billing_mode: str
    daily_rate_cents: int | None
    day_cap_half_days: int | None
    fixed_price_cents: int | None
    manager_id: str | None
    signer_id: str | None
    comments_required: bool
    calendar_region: str | None = None
    """None: the organisation's."""
    purchase_order: str = ""
    """The client's purchase order (EN 16931 BT-13 on the mission's invoices)."""


Record = PersonToCreate | ClientToCreate | MissionToCreate


@dataclass(frozen=True)
class Skipped:
    """A row that is already in the organisation: left as it is."""

    row: int
    existing_id: str


@dataclass(frozen=True)
class Plan:
    kind: Kind
    rows: int
    """Data rows read (blank rows aside)."""
    records: tuple[Record, ...]
    skipped: tuple[Skipped, ...]
    errors: tuple[RowError, ...]
    columns: Mapping[str, str]
    """Field → the file's header for it."""
    ignored_columns: tuple[str, ...]

    def column_of(self, fieldname: str) -> str:
        return self.columns.get(fieldname, fieldname)


# -- reading cells -----------------------------------------------------------------------------


class CellError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


PURCHASE_ORDER_MAX = 100  # Mission.purchase_order


def text(value: str, *, max_length: int, multiline: bool = False) -> str:
    value = value.strip()
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise CellError("control_character")
    if len(value) > max_length:
        raise CellError("too_long")
    return value


def email(value: str) -> str:
    value = value.strip().lower()
    if not _EMAIL.match(value) or _CONTROL.search(value):
        raise CellError("invalid_email")
    if len(value) > EMAIL_MAX:
        raise CellError("too_long")
    return value


def parse_date(value: str) -> date:
    """`31/12/2026`, `31/12/26`, `31-12-2026`, `31.12.2026` or ISO `2026-12-31` (an Excel
    date cell arrives as ISO)."""
    value = value.strip()
    try:
        iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", value)
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        french = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", value)
        if french:
            year = int(french[3]) + (2000 if len(french[3]) == 2 else 0)
            return date(year, int(french[2]), int(french[1]))
    except ValueError:
        pass
    raise CellError("invalid_date")


_AMOUNT = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")


def _decimal_digits(value: str, code: str) -> tuple[int, str]:
    """A positive French or English decimal: blanks, thin spaces and the euro sign go; the
    decimal mark is a comma or a point; a thousands point (`1.200,50`) is taken too."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]|eur(os?)?$", "", value.strip().lower())
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise CellError(code)
    return int(match[1]), match[2] or ""


def euros_to_cents(value: str, *, maximum: int = RATE_MAX_CENTS) -> int:
    """`650,5 €` → 65050: money is kept in integer cents, never a float."""
    units, decimals = _decimal_digits(value, "invalid_amount")
    cents = units * 100 + int(decimals.ljust(2, "0"))
    if not 1 <= cents <= maximum:
        raise CellError("invalid_amount")
    return cents


def days_to_half_days(value: str) -> int:
    """`12,5` days → 25 half-days; a day count is in halves or whole."""
    units, decimals = _decimal_digits(value, "invalid_days")
    if decimals.rstrip("0") not in {"", "5"}:
        raise CellError("invalid_days")
    half_days = units * 2 + (1 if decimals.rstrip("0") == "5" else 0)
    if not 1 <= half_days <= CAP_MAX_HALF_DAYS:
        raise CellError("invalid_days")
    return half_days


_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0", ""}


def flag(value: str) -> bool:
    word = normalise_header(value)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError("invalid_flag")


ROLE_WORDS: dict[str, Role] = {
    "consultant": Role.CONSULTANT,
    "consultante": Role.CONSULTANT,
    "collaborateur": Role.CONSULTANT,
    "manager": Role.MANAGER,
    "responsable": Role.MANAGER,
    "admin": Role.ADMIN,
    "administrateur": Role.ADMIN,
    "administratrice": Role.ADMIN,
    "administrator": Role.ADMIN,
    "signataire client": Role.CLIENT_SIGNER,
    "signataire": Role.CLIENT_SIGNER,
    "client signer": Role.CLIENT_SIGNER,
}


def roles(value: str) -> frozenset[Role]:
    """`Consultant, Manager` or `consultant;manager`; empty means consultant."""
    words = [normalise_header(w.replace("_", " ")) for w in re.split(r"[,;|/+]", value)]
    words = [w for w in words if w]
    if not words:
        return frozenset({Role.CONSULTANT})
    try:
        return frozenset(ROLE_WORDS[w] for w in words)
    except KeyError:
        raise CellError("invalid_role") from None


BILLING_WORDS = {
    "": "regie",
    "regie": "regie",
    "t m": "regie",
    "time and materials": "regie",
    "regie plafonnee": "regie_capped",
    "regie capped": "regie_capped",
    "capped": "regie_capped",
    "capped time and materials": "regie_capped",
    "forfait": "forfait",
    "fixed price": "forfait",
}


def billing_mode(value: str) -> str:
    try:
        return BILLING_WORDS[normalise_header(value.replace("_", " "))]
    except KeyError:
        raise CellError("invalid_billing_mode") from None


REGION_WORDS = {
    "metropole": "metropole",
    "france metropolitaine": "metropole",
    "mainland france": "metropole",
    "alsace moselle": "alsace_moselle",
    "alsace": "alsace_moselle",
    "moselle": "alsace_moselle",
    "guadeloupe": "guadeloupe",
    "971": "guadeloupe",
    "martinique": "martinique",
    "972": "martinique",
    "guyane": "guyane",
    "french guiana": "guyane",
    "973": "guyane",
    "la reunion": "la_reunion",
    "reunion": "la_reunion",
    "974": "la_reunion",
    "mayotte": "mayotte",
    "976": "mayotte",
}


def calendar_region(value: str) -> str:
    """Whose public holidays apply: mainland France, Alsace-Moselle (C. trav. L3134-13) or an
    overseas department (loi n° 83-550), by name or department number."""
    try:
        return REGION_WORDS[normalise_header(value.replace("_", " "))]
    except KeyError:
        raise CellError("invalid_region") from None


def siren(value: str) -> str:
    """Nine digits, blanks and dots allowed between them; a SIRET (14 digits) gives its SIREN."""
    digits = re.sub(r"[\s\u00a0\u202f.]", "", value)
    if re.fullmatch(r"[0-9]{14}", digits):
        digits = digits[:9]
    if not re.fullmatch(r"[0-9]{9}", digits):
        raise CellError("invalid_siren")
    return digits


def vat_number(value: str) -> str:
    compact = re.sub(r"[\s\u00a0\u202f.-]", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", compact):
        raise CellError("invalid_vat")
    return compact


def name_key(value: str) -> str:
    """A name as rows match it: case, accents, punctuation and spacing aside."""
    return normalise_header(value)


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A file as text: its header row and its data rows (row n of the list is row n + 2)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    header_row: int = 1
    """The header's row in the spreadsheet (blank lines above it are counted)."""


class _Rows:
    """The cells of one row by field, and the errors found in it."""

    def __init__(
        self,
        row: int,
        cells: Mapping[str, str],
        columns: Mapping[str, str],
        absent: Mapping[str, str],
    ) -> None:
        self.row = row
        self.cells = cells
        self.columns = columns
        self.absent = absent
        """The template's header of a column the file does not have."""
        self.errors: list[RowError] = []

    def raw(self, key: str) -> str:
        return self.cells.get(key, "").strip()

    def fail(self, key: str, code: str) -> None:
        column = self.columns.get(key) or self.absent.get(key, key)
        self.errors.append(row_error(self.row, column, key, code))

    def read(self, key: str, reader: Callable[[str], T], *, required: bool = False) -> T | None:
        value = self.raw(key)
        if not value:
            if required:
                self.fail(key, "required")
            return None
        try:
            return reader(value)
        except CellError as refused:
            self.fail(key, refused.code)
            return None


def _header_map(
    kind: Kind, header: Sequence[str], row: int
) -> tuple[dict[str, int], dict[str, str], list[str], list[RowError]]:
    by_key: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    errors: list[RowError] = []
    lookup = {alias: c.key for c in COLUMNS[kind] for alias in c.headers}
    for index, title in enumerate(header):
        key = lookup.get(normalise_header(title))
        if key is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if key in by_key:
            errors.append(row_error(row, title.strip(), key, "duplicate_column"))
            continue
        by_key[key] = index
        names[key] = title.strip()
    for column in COLUMNS[kind]:
        if column.required and column.key not in by_key:
            template = TEMPLATE_HEADERS[kind][column.key]
            names[column.key] = template
            errors.append(row_error(row, template, column.key, "missing_column"))
    return by_key, names, ignored, errors


def plan(*, kind: Kind, sheet: Sheet, known: Known) -> Plan:
    """Read every row of `sheet` as a `kind` record, against what the organisation holds."""
    by_key, names, ignored, errors = _header_map(kind, sheet.header, sheet.header_row)
    rows: list[_Rows] = []
    for offset, cells in enumerate(sheet.rows):
        if not any(c.strip() for c in cells):
            continue
        values = {k: (cells[i] if i < len(cells) else "") for k, i in by_key.items()}
        rows.append(_Rows(sheet.header_row + 1 + offset, values, names, TEMPLATE_HEADERS[kind]))
    if not rows and not errors:
        errors.append(row_error(sheet.header_row, "", "file", "empty_file"))
    if len(rows) > MAX_ROWS:
        errors.append(row_error(rows[MAX_ROWS].row, "", "file", "too_many_rows"))
    if errors:
        return Plan(kind, len(rows), (), (), tuple(errors), names, tuple(ignored))
    reader = {"people": _people, "clients": _clients, "missions": _missions}[kind]
    records, skipped = reader(rows, known)
    found = [e for r in rows for e in r.errors]
    return Plan(
        kind, len(rows), tuple(records), tuple(skipped), tuple(found), names, tuple(ignored)
    )


def _client_lookup(
    known: Iterable[KnownClient],
) -> tuple[dict[str, KnownClient], dict[str, list[KnownClient]]]:
    by_siren = {c.siren: c for c in known}
    by_name: dict[str, list[KnownClient]] = {}
    for c in known:
        by_name.setdefault(name_key(c.legal_name), []).append(c)
    return by_siren, by_name


def _find_client(r: _Rows, key: str, known: Sequence[KnownClient]) -> KnownClient | None:
    value = r.raw(key)
    if not value:
        return None
    by_siren, by_name = _client_lookup(known)
    try:
        found = by_siren.get(siren(value))
    except CellError:
        found = None
    if found is not None:
        return found
    named = by_name.get(name_key(value), [])
    if len(named) > 1:
        r.fail(key, "ambiguous_client")
        return None
    if not named:
        r.fail(key, "unknown_client")
        return None
    return named[0]


def _quietly(reader: Callable[[str], T], value: str) -> T | None:
    """A cell read again, its refusal already recorded."""
    try:
        return reader(value)
    except CellError:
        return None


def _people(rows: list[_Rows], known: Known) -> tuple[list[Record], list[Skipped]]:
    records: list[Record] = []
    skipped: list[Skipped] = []
    first_row: dict[str, int] = {}
    in_file: dict[str, tuple[int, frozenset[Role] | None]] = {}
    for r in rows:
        address = r.read("email", email, required=True)
        if address is not None and address in first_row:
            r.fail("email", "duplicate_in_file")
        elif address is not None:
            first_row[address] = r.row
            in_file[address] = (r.row, _quietly(roles, r.raw("roles")))
    bad_rows: set[int] = set()
    pending: list[tuple[_Rows, PersonToCreate]] = []
    for r in rows:
        address = _quietly(email, r.raw("email"))
        full = r.read("display_name", lambda v: text(v, max_length=PERSON_NAME_MAX))
        first = r.read("first_name", lambda v: text(v, max_length=PERSON_NAME_MAX))
        last = r.read("last_name", lambda v: text(v, max_length=PERSON_NAME_MAX))
        display = full or " ".join(p for p in (first, last) if p)
        if not display and not any(r.raw(k) for k in ("display_name", "first_name", "last_name")):
            r.fail("display_name" if "display_name" in r.columns else "last_name", "required")
        elif len(display) > PERSON_NAME_MAX:
            r.fail("last_name", "too_long")
        given = r.read("roles", roles) or frozenset({Role.CONSULTANT})
        if Role.CLIENT_SIGNER in given and given != {Role.CLIENT_SIGNER}:
            r.fail("roles", "signer_exclusive")
        client_id = None
        if Role.CLIENT_SIGNER in given:
            if not r.raw("client"):
                r.fail("client", "client_required")
            else:
                found = _find_client(r, "client", known.clients)
                client_id = found.id if found else None
        manager: Ref | None = None
        boss = r.read("manager", email)
        if boss is not None:
            if boss in known.people:
                if Role.MANAGER not in known.people[boss].roles:
                    r.fail("manager", "not_a_manager")
                manager = Ref(id=known.people[boss].id)
            elif boss in in_file and boss != address:
                boss_row, boss_roles = in_file[boss]
                if boss_roles is None or Role.MANAGER not in boss_roles:
                    r.fail("manager", "not_a_manager")
                manager = Ref(row=boss_row)
            else:
                r.fail("manager", "unknown_person")
        if address is not None and address in known.foreign_emails:
            r.fail("email", "email_taken")
        if r.errors:
            bad_rows.add(r.row)
            continue
        assert address is not None
        if address in known.people:
            skipped.append(Skipped(row=r.row, existing_id=known.people[address].id))
            continue
        pending.append(
            (
                r,
                PersonToCreate(
                    row=r.row,
                    email=address,
                    display_name=display,
                    roles=given,
                    manager=manager,
                    client_id=client_id,
                ),
            )
        )
    # A person whose manager's row is refused is refused too (nothing half-imported); the
    # people are then ordered so that a manager is created before the people they manage.
    changed = True
    while changed:
        changed = False
        for r, p in pending:
            if p.row in bad_rows or p.manager is None or p.manager.row is None:
                continue
            if p.manager.row in bad_rows:
                r.fail("manager", "row_with_errors")
                bad_rows.add(p.row)
                changed = True
    placed: set[int] = set()
    remaining = [p for _, p in pending if p.row not in bad_rows]
    while remaining:
        ready = [
            p
            for p in remaining
            if p.manager is None or p.manager.row is None or p.manager.row in placed
        ]
        if not ready:
            # Managers of each other, round a loop: none can be created first. Refused, and
            # nothing of the file is created (the caller finds errors).
            rows_of = {r.row: r for r, _ in pending}
            for p in remaining:
                rows_of[p.row].fail("manager", "manager_loop")
            return [], skipped
        for p in ready:
            records.append(p)
            placed.add(p.row)
        remaining = [p for p in remaining if p.row not in placed]
    return records, skipped


def _clients(rows: list[_Rows], known: Known) -> tuple[list[Record], list[Skipped]]:
    records: list[Record] = []
    skipped: list[Skipped] = []
    held = {c.siren: c for c in known.clients}
    seen: set[str] = set()
    for r in rows:
        legal = r.read("legal_name", lambda v: text(v, max_length=NAME_MAX), required=True)
        number = r.read("siren", siren, required=True)
        vat = r.read("vat_number", vat_number)
        street = r.read(
            "billing_address", lambda v: text(v, max_length=ADDRESS_MAX, multiline=True)
        )
        postal = r.read("postal_code", lambda v: text(v, max_length=20))
        city = r.read("city", lambda v: text(v, max_length=NAME_MAX))
        place = " ".join(p for p in (postal, city) if p)
        address = "\n".join(p for p in (street, place) if p)
        if len(address) > ADDRESS_MAX:
            r.fail("billing_address", "too_long")
        if number is not None and number in seen:
            r.fail("siren", "duplicate_in_file")
        elif number is not None:
            seen.add(number)
        if r.errors:
            continue
        assert legal is not None and number is not None
        if number in held:
            skipped.append(Skipped(row=r.row, existing_id=held[number].id))
            continue
        records.append(
            ClientToCreate(
                row=r.row,
                legal_name=legal,
                siren=number,
                vat_number=vat or french_vat_for(number),
                billing_address=address,
            )
        )
    return records, skipped


def _person_with(
    r: _Rows, key: str, known: Known, role: Role, code: str, client_id: str | None = None
) -> str | None:
    address = r.read(key, email)
    if address is None:
        return None
    person = known.people.get(address)
    if person is None:
        r.fail(key, "unknown_person")
        return None
    if role not in person.roles or (
        client_id is not None and person.client_company_id != client_id
    ):
        r.fail(key, code)
        return None
    return person.id


def _missions(rows: list[_Rows], known: Known) -> tuple[list[Record], list[Skipped]]:
    records: list[Record] = []
    skipped: list[Skipped] = []
    seen: set[tuple[str, str, str, date]] = set()
    for r in rows:
        consultant_id = None
        if not r.raw("consultant"):
            r.fail("consultant", "required")
        else:
            consultant_id = _person_with(
                r, "consultant", known, Role.CONSULTANT, "not_a_consultant"
            )
        client = None
        if not r.raw("client"):
            r.fail("client", "required")
        else:
            client = _find_client(r, "client", known.clients)
        title = r.read("title", lambda v: text(v, max_length=NAME_MAX), required=True)
        start = r.read("start_date", parse_date, required=True)
        end = r.read("end_date", parse_date)
        if start is not None and end is not None and end < start:
            r.fail("end_date", "ends_before_start")
        mode = r.read("billing_mode", billing_mode) or (None if r.raw("billing_mode") else "regie")
        rate = r.read("daily_rate", euros_to_cents)
        cap = r.read("day_cap", days_to_half_days)
        price = r.read("fixed_price", lambda v: euros_to_cents(v, maximum=AMOUNT_MAX_CENTS))
        if mode in {"regie", "regie_capped"} and rate is None and not r.raw("daily_rate"):
            r.fail("daily_rate", "rate_required")
        if mode == "regie_capped" and cap is None and not r.raw("day_cap"):
            r.fail("day_cap", "cap_required")
        if mode == "forfait" and (price is None or end is None):
            if not r.raw("fixed_price"):
                r.fail("fixed_price", "amount_required")
            elif end is None and not r.raw("end_date"):
                r.fail("end_date", "amount_required")
        manager_id = _person_with(r, "manager", known, Role.MANAGER, "not_a_manager")
        signer_id = (
            _person_with(r, "signer", known, Role.CLIENT_SIGNER, "not_a_signer", client.id)
            if client is not None
            else None
        )
        comments = r.read("comments_required", flag) or False
        region = r.read("calendar_region", calendar_region)
        order = r.read("purchase_order", lambda v: text(v, max_length=PURCHASE_ORDER_MAX)) or ""
        if r.errors:
            continue
        assert consultant_id and client and title and start and mode
        key = (consultant_id, client.id, name_key(title), start)
        if key in seen:
            r.fail("title", "duplicate_in_file")
            continue
        seen.add(key)
        if key in known.missions:
            skipped.append(Skipped(row=r.row, existing_id=known.missions[key]))
            continue
        records.append(
            MissionToCreate(
                row=r.row,
                consultant_id=consultant_id,
                client_id=client.id,
                title=title,
                start_date=start,
                end_date=end,
                billing_mode=mode,
                daily_rate_cents=rate if mode != "forfait" else None,
                day_cap_half_days=cap if mode == "regie_capped" else None,
                fixed_price_cents=price if mode == "forfait" else None,
                manager_id=manager_id,
                signer_id=signer_id,
                comments_required=comments,
                calendar_region=region,
                purchase_order=order,
            )
        )
    return records, skipped
