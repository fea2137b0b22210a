"""Every figure as tables, exported as CSV or XLSX.

The tables are the same ones the dashboard shows under each chart. Units are converted for
people reading a spreadsheet: days (not half-days), euros (not cents), rates as fractions
formatted as percentages in XLSX. CSV follows the French spreadsheet convention (``;``
separator, decimal comma, UTF-8 with a byte-order mark so Excel reads the accents); XLSX is
written by XlsxWriter (a well-kept, dependency-free writer) with one sheet per table.
"""

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from server.domain.figures import Spread
from server.services import figures as f

# Column kinds: how a value is converted and formatted.
TEXT, MONTH, DAYS, RATE, EUROS, COUNT, DATE, FLAG, DELAY = (
    "text",
    "month",
    "days",
    "rate",
    "euros",
    "count",
    "date",
    "flag",
    "delay",
)

HEADERS: dict[str, tuple[str, str]] = {
    "month": ("Mois", "Month"),
    "name": ("Nom", "Name"),
    "consultant": ("Consultant", "Consultant"),
    "team": ("Équipe", "Team"),
    "client": ("Client", "Client"),
    "mission": ("Mission", "Mission"),
    "approver": ("Valideur", "Approver"),
    "status": ("Statut", "Status"),
    "produced": ("Jours produits", "Produced days"),
    "available": ("Jours disponibles", "Available days"),
    "tace": ("TACE", "TACE"),
    "rolling": ("TACE 12 mois glissants", "TACE, rolling 12 months"),
    "cms": ("Mois-consultant", "Consultant-months"),
    "ic_days": ("Jours d'intercontrat", "Intercontrat days"),
    "ic_cost": ("Coût (€)", "Cost (€)"),
    "uncosted": ("Jours sans coût connu", "Days without a known cost"),
    "since": ("Depuis le", "Since"),
    "days": ("Jours", "Days"),
    "next_start": ("Prochaine mission", "Next mission"),
    "end_date": ("Fin", "Ends"),
    "days_left": ("Jours restants", "Days left"),
    "within": ("Sous (jours)", "Within (days)"),
    "follow_on": ("Suite prévue", "Next mission planned"),
    "months": ("CRA", "CRAs"),
    "submitted_count": ("Soumis", "Submitted"),
    "on_time": ("À l'heure", "On time"),
    "on_time_share": ("Part à l'heure", "Share on time"),
    "late_open": ("En retard, non soumis", "Late, not submitted"),
    "sub_med": ("Soumission : médiane (j)", "Submitted: median (d)"),
    "sub_p90": ("Soumission : p90 (j)", "Submitted: p90 (d)"),
    "app_med": ("Validation : médiane (j)", "Approved: median (d)"),
    "app_p90": ("Validation : p90 (j)", "Approved: p90 (d)"),
    "sig_med": ("Signature : médiane (j)", "Signed: median (d)"),
    "sig_p90": ("Signature : p90 (j)", "Signed: p90 (d)"),
    "step": ("Étape", "Step"),
    "kind": ("Type", "Kind"),
    "approved": ("Validés", "Approved"),
    "sent_back": ("Renvoyés", "Sent back"),
    "wait_med": ("Attente : médiane (j)", "Wait: median (d)"),
    "wait_p90": ("Attente : p90 (j)", "Wait: p90 (d)"),
    "delay_med": ("Depuis fin de mois : médiane (j)", "From month end: median (d)"),
    "delay_p90": ("Depuis fin de mois : p90 (j)", "From month end: p90 (d)"),
    "who": ("À qui d'agir", "Whose move"),
    "waiting_on": ("En attente de", "Waiting on"),
    "validated": ("Validés", "Validated"),
    "ftr": ("Bons du premier coup", "First time right"),
    "ftr_share": ("Part bons du premier coup", "Share first time right"),
    "send_backs": ("Renvois", "Send-backs"),
    "sent_back_share": ("Part renvoyée", "Share sent back"),
    "invoices": ("Factures", "Invoices"),
    "inv_med": ("Facturation : médiane (j)", "To invoice: median (d)"),
    "inv_p90": ("Facturation : p90 (j)", "To invoice: p90 (d)"),
    "pay_med": ("Paiement : médiane (j)", "To payment: median (d)"),
    "pay_p90": ("Paiement : p90 (j)", "To payment: p90 (d)"),
    "invoiced": ("Facturé TTC (€)", "Invoiced incl. VAT (€)"),
    "paid": ("Encaissé (€)", "Received (€)"),
    "receivables": ("Encours clients (€)", "Receivables (€)"),
    "sales": ("Ventes de la fenêtre (€)", "Sales in the window (€)"),
    "dso": ("DSO (jours)", "DSO (days)"),
    "stage": ("Chez", "Held by"),
    "value": ("Valeur HT (€)", "Value excl. VAT (€)"),
    "revenue": ("Chiffre d'affaires (€)", "Revenue (€)"),
    "cost": ("Coût (€)", "Cost (€)"),
    "margin": ("Marge (€)", "Margin (€)"),
    "margin_rate": ("Taux de marge", "Margin rate"),
    "costed_share": ("Part des jours au coût connu", "Share of days with a known cost"),
    "working": ("Jours ouvrés", "Working days"),
    "billable": ("Jours sur mission", "Days on missions"),
    "foreseeable": ("Absences prévisibles (j)", "Foreseeable absences (d)"),
    "other_absences": ("Autres absences (j)", "Other absences (d)"),
    "submitted_days": ("Soumis (j après fin)", "Submitted (d after end)"),
    "approved_days": ("Validé (j après fin)", "Approved (d after end)"),
    "signed_days": ("Signé (j après fin)", "Signed (d after end)"),
    "reopens": ("Réouvertures", "Reopenings"),
    "daily_cost": ("Coût journalier (€)", "Daily cost (€)"),
}


@dataclass(frozen=True)
class Column:
    key: str
    kind: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Any]


def _c(key: str, kind: str, value: Callable[[Any], Any]) -> Column:
    return Column(key, kind, value)


def _spread(key: str, get: Callable[[Any], Spread]) -> tuple[Column, Column]:
    return (
        _c(f"{key}_med", DELAY, lambda r: get(r).median),
        _c(f"{key}_p90", DELAY, lambda r: get(r).p90),
    )


def _tace_lines(name: str, first: str, rows: Sequence[Any]) -> Table:
    return Table(
        name,
        (
            _c(first, TEXT, lambda r: r.name),
            _c("produced", DAYS, lambda r: r.produced_half_days),
            _c("available", DAYS, lambda r: r.available_half_days),
            _c("tace", RATE, lambda r: r.tace),
            _c("cms", COUNT, lambda r: r.consultant_months),
        ),
        rows,
    )


def _revenue(name: str, first: str, kind: str, rows: Sequence[Any]) -> Table:
    return Table(
        name,
        (
            _c(first, kind, lambda r: r.name),
            _c("revenue", EUROS, lambda r: r.revenue_cents),
            _c("cost", EUROS, lambda r: r.cost_cents),
            _c("margin", EUROS, lambda r: r.margin_cents),
            _c("margin_rate", RATE, lambda r: r.margin_rate),
            _c("billable", DAYS, lambda r: r.billable_half_days),
            _c("costed_share", RATE, lambda r: r.costed_share),
        ),
        rows,
    )


def _approvers(rows: Sequence[Any]) -> Table:
    return Table(
        "approvers",
        (
            _c("approver", TEXT, lambda r: r.name),
            _c("approved", COUNT, lambda r: r.approved),
            _c("sent_back", COUNT, lambda r: r.sent_back),
            *_spread("wait", lambda r: r.wait),
            *_spread("delay", lambda r: r.delay),
        ),
        rows,
    )


def tables(doc: Any) -> list[Table]:
    """The tables of a figure document, in the order the dashboard shows them."""
    if isinstance(doc, f.TaceDoc):
        return [
            Table(
                "months",
                (
                    _c("month", MONTH, lambda r: r.month),
                    _c("produced", DAYS, lambda r: r.produced_half_days),
                    _c("available", DAYS, lambda r: r.available_half_days),
                    _c("tace", RATE, lambda r: r.tace),
                    _c("rolling", RATE, lambda r: r.rolling_tace),
                    _c("cms", COUNT, lambda r: r.consultant_months),
                ),
                doc.months,
            ),
            _tace_lines("by_team", "team", doc.by_team),
            _tace_lines("by_client", "client", doc.by_client),
            _tace_lines("by_consultant", "consultant", doc.by_consultant),
        ]
    if isinstance(doc, f.IntercontratDoc):
        return [
            Table(
                "months",
                (
                    _c("month", MONTH, lambda r: r.month),
                    _c("ic_days", DAYS, lambda r: r.half_days),
                    _c("ic_cost", EUROS, lambda r: r.cost_cents),
                    _c("uncosted", DAYS, lambda r: r.uncosted_half_days),
                ),
                doc.months,
            ),
            Table(
                "by_consultant",
                (
                    _c("consultant", TEXT, lambda r: r.name),
                    _c("ic_days", DAYS, lambda r: r.half_days),
                    _c("ic_cost", EUROS, lambda r: r.cost_cents),
                    _c("uncosted", DAYS, lambda r: r.uncosted_half_days),
                ),
                doc.by_consultant,
            ),
            Table(
                "between_missions",
                (
                    _c("consultant", TEXT, lambda r: r.name),
                    _c("since", DATE, lambda r: r.since),
                    _c("days", COUNT, lambda r: r.days),
                    _c("next_start", DATE, lambda r: r.next_start),
                ),
                doc.between_missions,
            ),
            Table(
                "ending_soon",
                (
                    _c("mission", TEXT, lambda r: r.title),
                    _c("consultant", TEXT, lambda r: r.name),
                    _c("end_date", DATE, lambda r: r.end_date),
                    _c("days_left", COUNT, lambda r: r.days_left),
                    _c("within", COUNT, lambda r: r.within_days),
                    _c("follow_on", FLAG, lambda r: r.follow_on),
                ),
                doc.ending_soon,
            ),
        ]
    if isinstance(doc, f.CloseDoc):
        return [
            Table(
                "months",
                (
                    _c("month", MONTH, lambda r: r.month),
                    _c("months", COUNT, lambda r: r.months),
                    _c("submitted_count", COUNT, lambda r: r.submitted_count),
                    _c("on_time", COUNT, lambda r: r.on_time),
                    _c("on_time_share", RATE, lambda r: r.on_time_share),
                    _c("late_open", COUNT, lambda r: r.late_open),
                    *_spread("sub", lambda r: r.submitted),
                    *_spread("app", lambda r: r.approved),
                    *_spread("sig", lambda r: r.signed),
                ),
                doc.months,
            ),
            Table(
                "steps",
                (
                    _c("step", COUNT, lambda r: r.step + 1),
                    _c("kind", TEXT, lambda r: r.kind),
                    _c("approved", COUNT, lambda r: r.approved),
                    _c("sent_back", COUNT, lambda r: r.sent_back),
                    *_spread("wait", lambda r: r.wait),
                    *_spread("delay", lambda r: r.delay),
                ),
                doc.steps,
            ),
            _approvers(doc.approvers),
            Table(
                "late_now",
                (
                    _c("consultant", TEXT, lambda r: r.name),
                    _c("month", MONTH, lambda r: r.month),
                    _c("status", TEXT, lambda r: r.status),
                    _c("who", TEXT, lambda r: r.who),
                    _c("waiting_on", TEXT, lambda r: r.waiting_on_name),
                    _c("since", DATE, lambda r: r.since),
                    _c("days", COUNT, lambda r: r.days),
                ),
                doc.late_now,
            ),
        ]
    if isinstance(doc, f.FtrDoc):

        def ftr(name: str, first: str, kind: str, rows: Sequence[Any]) -> Table:
            return Table(
                name,
                (
                    _c(first, kind, lambda r: r.name),
                    _c("validated", COUNT, lambda r: r.validated),
                    _c("ftr", COUNT, lambda r: r.first_time_right),
                    _c("ftr_share", RATE, lambda r: r.share),
                    _c("send_backs", COUNT, lambda r: r.send_backs),
                ),
                rows,
            )

        return [
            ftr("months", "month", MONTH, doc.months),
            ftr("by_team", "team", TEXT, doc.by_team),
            ftr("by_consultant", "consultant", TEXT, doc.by_consultant),
            Table(
                "approvers",
                (
                    _c("approver", TEXT, lambda r: r.name),
                    _c("approved", COUNT, lambda r: r.approved),
                    _c("sent_back", COUNT, lambda r: r.sent_back),
                    _c("sent_back_share", RATE, lambda r: r.share),
                ),
                doc.approvers,
            ),
        ]
    if isinstance(doc, f.BillingDoc):
        found = []
        if doc.months is not None:
            found.append(
                Table(
                    "months",
                    (
                        _c("month", MONTH, lambda r: r.month),
                        _c("invoices", COUNT, lambda r: r.invoices),
                        *_spread("inv", lambda r: r.to_invoice),
                        *_spread("pay", lambda r: r.to_payment),
                        _c("invoiced", EUROS, lambda r: r.invoiced_cents),
                        _c("paid", EUROS, lambda r: r.paid_cents),
                    ),
                    doc.months,
                )
            )
        if doc.dso is not None:
            found.append(
                Table(
                    "dso",
                    (
                        _c("month", MONTH, lambda r: r.month),
                        _c("receivables", EUROS, lambda r: r.receivables_cents),
                        _c("sales", EUROS, lambda r: r.sales_cents),
                        _c("dso", COUNT, lambda r: r.dso_days),
                    ),
                    doc.dso,
                )
            )
        found.append(
            Table(
                "waiting",
                (
                    _c("stage", TEXT, lambda r: r.stage),
                    _c("months", COUNT, lambda r: r.months),
                    _c("value", EUROS, lambda r: r.value_cents),
                ),
                doc.waiting,
            )
        )
        return found
    if isinstance(doc, f.RevenueDoc):
        return [
            _revenue("months", "month", MONTH, doc.months),
            _revenue("by_client", "client", TEXT, doc.by_client),
            _revenue("by_mission", "mission", TEXT, doc.by_mission),
            _revenue("by_consultant", "consultant", TEXT, doc.by_consultant),
        ]
    if isinstance(doc, f.MonthsDoc):
        return [
            Table(
                "months",
                (
                    _c("consultant", TEXT, lambda r: r.name),
                    _c("month", MONTH, lambda r: r.month),
                    _c("status", TEXT, lambda r: r.status),
                    _c("client", TEXT, lambda r: r.client_name),
                    _c("mission", TEXT, lambda r: r.mission_title),
                    _c("working", DAYS, lambda r: r.working_half_days),
                    _c("billable", DAYS, lambda r: r.billable_half_days),
                    _c("produced", DAYS, lambda r: r.produced_half_days),
                    _c("available", DAYS, lambda r: r.available_half_days),
                    _c("tace", RATE, lambda r: r.tace),
                    _c("foreseeable", DAYS, lambda r: r.foreseeable_half_days),
                    _c("ic_days", DAYS, lambda r: r.intercontrat_half_days),
                    _c("other_absences", DAYS, lambda r: r.other_absences_half_days),
                    _c("submitted_days", DELAY, lambda r: r.submitted_days),
                    _c("approved_days", DELAY, lambda r: r.approved_days),
                    _c("signed_days", DELAY, lambda r: r.signed_days),
                    _c("on_time", FLAG, lambda r: r.on_time),
                    _c("send_backs", COUNT, lambda r: r.send_backs),
                    _c("reopens", COUNT, lambda r: r.reopens),
                    _c("ftr", FLAG, lambda r: r.first_time_right),
                    _c("revenue", EUROS, lambda r: r.revenue_cents),
                    _c("daily_cost", EUROS, lambda r: r.daily_cost_cents),
                ),
                doc.rows,
            )
        ]
    raise TypeError(f"no tables for {type(doc).__name__}")


def _plain(kind: str, value: Any) -> Any:
    """A cell's value in spreadsheet units (days, euros, fractions), or None."""
    if value is None:
        return None
    if kind == DAYS:
        return value / 2
    if kind == EUROS:
        return value / 100
    if kind == FLAG:
        return bool(value)
    return value


def _csv_text(kind: str, value: Any, lang: str) -> str:
    plain = _plain(kind, value)
    if plain is None:
        return ""
    if kind == FLAG:
        return ("oui" if plain else "non") if lang == "fr" else ("yes" if plain else "no")
    if isinstance(plain, date):
        return plain.isoformat()
    if isinstance(plain, float):
        digits = 2 if kind == EUROS else 4
        text = f"{plain:.{digits}f}".rstrip("0").rstrip(".") if kind != EUROS else f"{plain:.2f}"
        return text.replace(".", ",") if lang == "fr" else text
    return str(plain)


def header(key: str, lang: str) -> str:
    fr, en = HEADERS[key]
    return fr if lang == "fr" else en


def csv_bytes(table: Table, *, lang: str) -> bytes:
    """One table as CSV (French: ``;`` and decimal comma; English: ``,`` and point)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n")
    writer.writerow([header(c.key, lang) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(c.kind, c.value(row), lang) for c in table.columns])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def xlsx_bytes(tables: Sequence[Table], *, lang: str) -> bytes:
    """Every table as one sheet of an XLSX workbook, numbers as numbers."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    bold = book.add_format({"bold": True})
    formats = {
        DAYS: book.add_format({"num_format": "0.0"}),
        EUROS: book.add_format({"num_format": "#,##0.00"}),
        RATE: book.add_format({"num_format": "0.0%"}),
        DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    for table in tables:
        sheet = book.add_worksheet(table.name[:31])
        for col, column in enumerate(table.columns):
            sheet.write_string(0, col, header(column.key, lang), bold)
            sheet.set_column(col, col, max(12, len(header(column.key, lang)) + 2))
        for r, row in enumerate(table.rows, start=1):
            for col, column in enumerate(table.columns):
                value = _plain(column.kind, column.value(row))
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(r, col, value)
                elif isinstance(value, date):
                    sheet.write_datetime(r, col, value, formats[DATE])
                elif isinstance(value, int | float):
                    sheet.write_number(r, col, value, formats.get(column.kind))
                else:
                    sheet.write_string(r, col, str(value))
        sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
