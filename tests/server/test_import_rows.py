"""The rows of an import spreadsheet read as records (server/domain/imports.py): pure, no
database; hand cases and properties."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain import imports as im
from server.domain.identifiers import french_vat_for
from server.domain.roles import Role


def people(header: list[str], *rows: list[str], known: im.Known | None = None) -> im.Plan:
    return im.plan(kind="people", sheet=im.Sheet(header, rows), known=known or im.Known())


def errors(plan: im.Plan) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.code) for e in plan.errors}


@pytest.mark.parametrize(
    ("cell", "cents"),
    [("650", 65_000), ("650,5", 65_050), ("650,50 €", 65_050), ("1 200", 120_000),
     ("1\u202f200,00\u00a0€", 120_000), ("1.200,50", 120_050), ("612.25", 61_225),
     ("700 EUR", 70_000)],
)  # fmt: skip
def test_amounts_in_euros_are_read_the_french_way_into_cents(cell: str, cents: int) -> None:
    assert im.euros_to_cents(cell) == cents


@pytest.mark.parametrize("cell", ["0", "abc", "12,345", "-650", "6,5,0", "€"])
def test_amounts_that_are_not_euros_are_refused(cell: str) -> None:
    with pytest.raises(im.CellError) as refused:
        im.euros_to_cents(cell)
    assert refused.value.code == "invalid_amount"


def test_day_caps_are_whole_or_half_days() -> None:
    assert im.days_to_half_days("12,5") == 25
    assert im.days_to_half_days("3") == 6
    for cell in ("2,25", "0", "deux"):
        with pytest.raises(im.CellError):
            im.days_to_half_days(cell)


def test_dates_are_french_or_iso_and_real() -> None:
    for cell in ("31/12/2026", "2026-12-31", "31.12.26", "31-12-2026", "2026-12-31 00:00:00"):
        assert im.parse_date(cell) == date(2026, 12, 31), cell
    for cell in ("30/02/2027", "12/31/2026", "demain", "2026-13-01"):
        with pytest.raises(im.CellError):
            im.parse_date(cell)


def test_siren_and_vat_numbers() -> None:
    assert im.siren("404 833 048") == "404833048"
    assert im.siren("40483304800022") == "404833048", "a SIRET gives its SIREN"
    # The French VAT key of a SIREN (CGI, annexe IV, art. 242 nonies A).
    assert french_vat_for("404833048") == "FR83404833048"
    assert im.vat_number("fr 83 404 833 048") == "FR83404833048"
    with pytest.raises(im.CellError):
        im.siren("12345678")


def test_headers_match_whatever_their_case_accents_and_spaces() -> None:
    plan = people(
        ["  E-MAIL ", "prenom", "NOM", "rôles", "e_mail_du_manager", "Commentaire"],
        ["a@x.fr", "Ann", "Lee", "Manager", ""],
    )
    assert plan.errors == ()
    assert plan.columns["manager"] == "e_mail_du_manager"
    assert plan.ignored_columns == ("Commentaire",)
    english = people(["Email", "Full name", "Role"], ["b@x.fr", "Bob Ray", "consultant"])
    assert english.errors == ()
    person = english.records[0]
    assert isinstance(person, im.PersonToCreate)
    assert (person.display_name, person.roles) == ("Bob Ray", frozenset({Role.CONSULTANT}))


def test_a_missing_or_doubled_column_is_refused_at_the_header_row() -> None:
    assert errors(people(["Prénom", "Nom"], ["A", "B"])) == {(1, "E-mail", "missing_column")}
    assert errors(people(["E-mail", "Courriel"], ["a@x.fr", "b@x.fr"])) == {
        (1, "Courriel", "duplicate_column")
    }


def test_each_refused_cell_is_named_by_row_and_column() -> None:
    plan = people(
        ["E-mail", "Nom", "Rôles", "Manager"],
        ["ok@x.fr", "Ok", "consultant", ""],
        ["bad", "", "chef", "nobody@x.fr"],
        [],
        ["ok@x.fr", "Twice", "", ""],
        ["s@x.fr", "Sig", "signataire client, manager", ""],
    )
    assert errors(plan) == {
        (3, "E-mail", "invalid_email"),
        (3, "Nom", "required"),
        (3, "Rôles", "invalid_role"),
        (3, "Manager", "unknown_person"),
        (5, "E-mail", "duplicate_in_file"),
        (6, "Rôles", "signer_exclusive"),
        (6, "Client", "client_required"),
    }
    assert [r.row for r in plan.records] == [2], "the blank row 4 is skipped, and counted"


def test_people_held_are_left_as_they_are_and_foreign_emails_refused() -> None:
    known = im.Known(
        people={"old@x.fr": im.KnownPerson("p1", frozenset({Role.MANAGER}), None)},
        foreign_emails=frozenset({"theirs@x.fr"}),
    )
    plan = people(
        ["E-mail", "Nom", "Manager"],
        ["old@x.fr", "Old", ""],
        ["theirs@x.fr", "Theirs", ""],
        ["new@x.fr", "New", "old@x.fr"],
        known=known,
    )
    assert plan.skipped == (im.Skipped(row=2, existing_id="p1"),)
    assert errors(plan) == {(3, "E-mail", "email_taken")}
    assert plan.records[0] == im.PersonToCreate(
        row=4,
        email="new@x.fr",
        display_name="New",
        roles=frozenset({Role.CONSULTANT}),
        manager=im.Ref(id="p1"),
        client_id=None,
    )


def test_a_person_whose_manager_row_is_refused_is_refused_too() -> None:
    plan = people(
        ["E-mail", "Nom", "Rôles", "Manager"],
        ["boss@x.fr", "", "manager", ""],
        ["team@x.fr", "Team", "consultant", "boss@x.fr"],
    )
    assert errors(plan) == {(2, "Nom", "required"), (3, "Manager", "row_with_errors")}
    assert plan.records == ()


CLIENTS = (
    im.KnownClient("c1", "Banque Exemple SA", "552120222"),
    im.KnownClient("c2", "Twin SA", "111111111"),
    im.KnownClient("c3", "Twin  sa", "222222222"),
)
STAFF = {
    "alice@x.fr": im.KnownPerson("alice", frozenset({Role.CONSULTANT}), None),
    "boss@x.fr": im.KnownPerson("boss", frozenset({Role.MANAGER}), None),
    "sig@x.fr": im.KnownPerson("sig", frozenset({Role.CLIENT_SIGNER}), "c1"),
}


def missions(*rows: list[str]) -> im.Plan:
    header = ["Consultant", "Client", "Titre", "Début", "Fin", "Mode de facturation", "TJM",
              "Plafond", "Montant forfait", "Validateur", "Signataire client",
              "Jours fériés"]  # fmt: skip
    return im.plan(
        kind="missions",
        sheet=im.Sheet(header, rows),
        known=im.Known(people=STAFF, clients=CLIENTS),
    )


def test_missions_find_people_by_email_and_clients_by_name_or_siren() -> None:
    plan = missions(
        ["alice@x.fr", "banque exemple sa", "Audit", "04/01/2027", "", "", "650", "", "",
         "boss@x.fr", "sig@x.fr", "Alsace-Moselle"],
        ["Alice@X.fr", "552 120 222", "Forfait", "2027-01-04", "31/03/2027", "forfait", "", "",
         "12 000", "", ""],
    )  # fmt: skip
    assert plan.errors == ()
    first, second = plan.records
    assert isinstance(first, im.MissionToCreate) and isinstance(second, im.MissionToCreate)
    assert (first.client_id, first.daily_rate_cents, first.billing_mode) == ("c1", 65_000, "regie")
    assert (first.manager_id, first.signer_id) == ("boss", "sig")
    assert (first.calendar_region, second.calendar_region) == ("alsace_moselle", None)
    assert (second.billing_mode, second.fixed_price_cents, second.daily_rate_cents) == (
        "forfait",
        1_200_000,
        None,
    )


def test_mission_rows_refused_by_their_references_and_terms() -> None:
    plan = missions(
        ["boss@x.fr", "Twin SA", "A", "04/01/2027", "03/01/2027", "", "", "", "", "alice@x.fr",
         ""],
        ["alice@x.fr", "Nobody SA", "B", "04/01/2027", "", "régie plafonnée", "600", "", "",
         "", "sig@x.fr"],
        ["alice@x.fr", "Banque Exemple SA", "C", "04/01/2027", "", "forfait", "", "", "", "",
         "boss@x.fr", "Bretagne"],
    )  # fmt: skip
    assert errors(plan) == {
        (2, "Consultant", "not_a_consultant"),
        (2, "Client", "ambiguous_client"),
        (2, "Fin", "ends_before_start"),
        (2, "TJM", "rate_required"),
        (2, "Validateur", "not_a_manager"),
        (3, "Client", "unknown_client"),
        (3, "Plafond", "cap_required"),
        (4, "Montant forfait", "amount_required"),
        (4, "Signataire client", "not_a_signer"),
        (4, "Jours fériés", "invalid_region"),
    }


# -- properties -----------------------------------------------------------------------------


def french_euros(cents: int) -> str:
    units = f"{cents // 100:,}".replace(",", "\u202f")
    return f"{units},{cents % 100:02d} €"


@given(st.integers(min_value=1, max_value=im.RATE_MAX_CENTS))
def test_any_amount_written_the_french_way_reads_back_to_its_cents(cents: int) -> None:
    assert im.euros_to_cents(french_euros(cents)) == cents
    assert im.euros_to_cents(f"{cents / 100:.2f}") == cents


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_reads_the_same_in_french_and_iso(day: date) -> None:
    assert im.parse_date(day.strftime("%d/%m/%Y")) == day
    assert im.parse_date(day.isoformat()) == day


@given(st.data())
def test_any_spelling_of_a_header_finds_its_column(data: st.DataObject) -> None:
    """Case, accents, and the blanks or punctuation between words do not matter."""
    kind = data.draw(st.sampled_from(im.KINDS))
    key, header = data.draw(st.sampled_from(sorted(im.TEMPLATE_HEADERS[kind].items())))
    if data.draw(st.booleans()):
        header = header.replace("é", "e").replace("è", "e").replace("ô", "o")
    words = [
        "".join(data.draw(st.sampled_from([ch.upper(), ch.lower()])) for ch in word)
        for word in header.split(" ")
    ]
    gaps = [data.draw(st.sampled_from([" ", "  ", "_", "-", " - ", "\t"])) for _ in words]
    spelled = "".join(w + g for w, g in zip(words, gaps, strict=True))
    column = next(c for c in im.COLUMNS[kind] if c.key == key)
    assert im.normalise_header(f"\ufeff {spelled} ") in column.headers


@given(st.permutations(range(8)), st.integers(min_value=1, max_value=4))
def test_managers_named_in_the_file_are_always_created_before_their_team(
    order: list[int], managers: int
) -> None:
    """Whatever the order of the rows, each person comes after the manager the file names."""
    rows = []
    for i in order:
        if i < managers:
            rows.append([f"m{i}@x.fr", f"M{i}", "manager", ""])
        else:
            rows.append([f"p{i}@x.fr", f"P{i}", "consultant", f"m{i % managers}@x.fr"])
    plan = people(["E-mail", "Nom", "Rôles", "Manager"], *rows)
    assert plan.errors == ()
    placed: set[int] = set()
    for record in plan.records:
        assert isinstance(record, im.PersonToCreate)
        if record.manager is not None:
            assert record.manager.row in placed
        placed.add(record.row)
    assert len(placed) == 8


def test_a_client_signer_is_tied_to_their_client_by_name_or_siren() -> None:
    known = im.Known(clients=CLIENTS)
    plan = people(
        ["E-mail", "Nom", "Rôles", "Client"],
        ["sig@x.fr", "Sig", "Signataire client", "552120222"],
        ["sig2@x.fr", "Sig Two", "client_signer", "BANQUE EXEMPLE SA"],
        ["sig3@x.fr", "Sig Three", "signataire", "Inconnue SA"],
        known=known,
    )
    assert errors(plan) == {(4, "Client", "unknown_client")}
    assert [(r.row, getattr(r, "client_id", None)) for r in plan.records] == [(2, "c1"), (3, "c1")]


def test_people_managing_each_other_round_a_loop_are_refused() -> None:
    plan = people(
        ["E-mail", "Nom", "Rôles", "Manager"],
        ["a@x.fr", "A", "manager", "b@x.fr"],
        ["b@x.fr", "B", "manager", "a@x.fr"],
        ["c@x.fr", "C", "consultant", ""],
    )
    assert errors(plan) == {(2, "Manager", "manager_loop"), (3, "Manager", "manager_loop")}
    assert plan.records == ()
