"""FEC and payroll exports of a known demo month, compared byte for byte."""

from datetime import date, datetime, timedelta

import pytest
from litestar import Litestar

from server.domain import payroll
from server.domain.errors import InvalidInput
from server.services import exports
from server.services import invoicing as billing
from server.storage import invoicing_store as store
from tests.invoicing.helpers import NOW, demo


def clock() -> datetime:
    return NOW


async def test_fec_of_an_invoice_and_its_credit_note(app: Litestar) -> None:
    """Make sure the FEC has the 18 legal columns, D 411 / C 706 / C 44571 for the invoice,
    the same reversed for the credit note, comma decimals, TAB and CRLF."""
    d = await demo()
    draft = next(
        i
        for i in await store.list_invoices(d.admin.organisation_id)
        if i.period_start == date(2026, 9, 1)
    )
    issued = await billing.issue(actor=d.admin, invoice_id=draft.id, clock=clock)
    await billing.credit(
        clock=lambda: NOW + timedelta(hours=1),
        actor=d.admin,
        invoice_id=issued.id,
        reason="Demi-journée comptée à tort",
        lines={issued.lines[0].id: 1},
    )
    name, body = await exports.fec_export(
        actor=d.admin, start=date(2026, 11, 1), end=date(2026, 11, 30)
    )
    assert name == "812345676FEC20261130.txt"
    expected = (
        "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
        "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
        "ValidDate\tMontantdevise\tIdevise\r\n"
        "VT\tVentes\tVT-000001\t20261116\t411000\tClients\tC552000770\tBanque Rhénane SA\t"
        "FA-2026-00001\t20261116\tFacture FA-2026-00001 Banque Rhénane SA\t16770,00\t0,00\t\t\t"
        "20261116\t\t\r\n"
        "VT\tVentes\tVT-000001\t20261116\t706000\tPrestations de services\t\t\t"
        "FA-2026-00001\t20261116\tFacture FA-2026-00001 Banque Rhénane SA\t0,00\t13975,00\t\t\t"
        "20261116\t\t\r\n"
        "VT\tVentes\tVT-000001\t20261116\t445710\tTVA collectée\t\t\t"
        "FA-2026-00001\t20261116\tFacture FA-2026-00001 Banque Rhénane SA\t0,00\t2795,00\t\t\t"
        "20261116\t\t\r\n"
        "VT\tVentes\tVT-000002\t20261116\t411000\tClients\tC552000770\tBanque Rhénane SA\t"
        "AV-2026-00001\t20261116\tAvoir AV-2026-00001 Banque Rhénane SA\t0,00\t390,00\t\t\t"
        "20261116\t\t\r\n"
        "VT\tVentes\tVT-000002\t20261116\t706000\tPrestations de services\t\t\t"
        "AV-2026-00001\t20261116\tAvoir AV-2026-00001 Banque Rhénane SA\t325,00\t0,00\t\t\t"
        "20261116\t\t\r\n"
        "VT\tVentes\tVT-000002\t20261116\t445710\tTVA collectée\t\t\t"
        "AV-2026-00001\t20261116\tAvoir AV-2026-00001 Banque Rhénane SA\t65,00\t0,00\t\t\t"
        "20261116\t\t\r\n"
    ).encode()
    assert body == expected
    for line in body.decode().splitlines():
        assert len(line.split("\t")) == 18


async def test_fec_of_an_empty_period_is_refused(app: Litestar) -> None:
    d = await demo()
    with pytest.raises(InvalidInput) as refused:
        await exports.fec_export(actor=d.admin, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert refused.value.errors[0].code == "empty_period"


async def test_payroll_variables_of_september(app: Litestar) -> None:
    """Make sure the validated and signed CRAs of September give their absences by type, in
    half-days, with the configured codes."""
    d = await demo()
    name, body = await exports.payroll_export(
        actor=d.admin, month="2026-09", codes="CP=CP01,intercontrat=INTER"
    )
    assert name == "variables-paie-2026-09.csv"
    assert (
        body
        == (
            "matricule;nom;code_rubrique;absence;date_debut;date_fin;demi_journees;jours\r\n"
            "alice.martin@octave.example;Alice Martin;CP01;CP;2026-09-14;2026-09-14;1;0,5\r\n"
            "bruno.dubois@octave.example;Bruno Dubois;RTT;RTT;2026-09-09;2026-09-09;2;1,0\r\n"
            "bruno.dubois@octave.example;Bruno Dubois;CP01;CP;2026-09-14;2026-09-14;1;0,5\r\n"
            "chloe.bernard@octave.example;Chloé Bernard;INTER;intercontrat;2026-09-01;2026-09-30;"
            "44;22,0\r\n"
        ).encode()
    )


async def test_payroll_refuses_bad_codes_and_empty_months(app: Litestar) -> None:
    d = await demo()
    with pytest.raises(InvalidInput) as refused:
        await exports.payroll_export(actor=d.admin, month="2026-09", codes="XX=1")
    assert refused.value.errors[0].field == "codes"
    with pytest.raises(InvalidInput) as empty:
        await exports.payroll_export(actor=d.admin, month="2026-11")
    assert empty.value.errors[0].code == "empty_period"
    assert payroll.parse_codes("")["CP"] == "CP"
