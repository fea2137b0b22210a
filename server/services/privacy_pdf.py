"""A person's data, readable: the export document (`server.services.privacy.export`) as a PDF,
rendered by WeasyPrint like invoices and receipts. One section per kind of data, each row a
line of a table; the JSON export stays the machine-readable copy (RGPD art. 20)."""

import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any

CSS = """
@page { size: A4; margin: 14mm; @bottom-right { content: counter(page) " / " counter(pages); } }
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 14pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border-bottom: 1px solid #999; padding: 2px 3px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
p.none { color: #555; }
pre { font-size: 7pt; white-space: pre-wrap; }
"""

TITLES: dict[str, str] = {
    "roles": "Rôles · Roles",
    "missions": "Missions",
    "approval_steps": "Validations confiées · Approval steps",
    "timesheets": "Comptes rendus d'activité · Timesheets",
    "days": "Jours · Days",
    "leave_requests": "Demandes de congés · Leave requests",
    "leave_adjustments": "Soldes de congés · Leave adjustments",
    "expenses": "Notes de frais · Expenses",
    "receipts": "Justificatifs (empreintes SHA-256) · Receipts (hashes)",
    "daily_costs": "Coût journalier · Daily cost",
    "passkeys": "Clés d'accès · Passkeys",
    "sessions": "Sessions",
    "sync_devices": "Appareils synchronisés · Synced devices",
    "notification_preferences": "Préférences de notification · Notification preferences",
    "push_subscriptions": "Abonnements push · Push subscriptions",
    "notifications": "Notifications",
    "signatures": "Signatures données · Signatures given",
    "audit_events": "Journal d'audit · Audit events",
}


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _cell(value: Any) -> str:
    """A value for a reader: ids shortened to their first 8 digits (whole in the JSON)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return escape(_UUID.sub(lambda m: m.group(0)[:8], str(value)))


LONG = 40
"""Past this many rows a kind is printed as plain lines, not a table: WeasyPrint lays out a
table cell by cell, and a year of days and audit events took tens of seconds."""


def _lines(rows: list[Mapping[str, Any]]) -> str:
    text = "\n".join(
        " · ".join(f"{k}: {_plain(v)}" for k, v in row.items() if v not in (None, "", [], {}))
        for row in rows
    )
    return f"<pre>{_cell(text)}</pre>"


def _plain(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _short(ref: str) -> str:
    """``timesheet:<uuid>`` as ``timesheet:<first 8>`` (the JSON export has the whole id)."""
    kind, sep, rest = ref.rpartition(":")
    return f"{kind}{sep}{rest[:8]}" if len(rest) == 36 else ref


def _months_of_days(days: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Days as one row per month: ``DD what half-days`` (``mission:<id8>`` or an absence
    type), with the day's comment, so a year prints on a page."""
    months: dict[str, list[str]] = {}
    for day in days:
        parts = []
        for line in day.get("lines") or []:
            kind, _, ref = str(line.get("line", "")).partition(":")
            what = f"mission:{ref[:8]}" if kind == "mission" else ref or kind
            parts.append(f"{what}×{line.get('half_days')}")
        comment = f" « {day['comment']} »" if day.get("comment") else ""
        months.setdefault(str(day["day"])[:7], []).append(
            f"{str(day['day'])[8:]} {' '.join(parts) or '—'}{comment}"
        )
    return [{"month": m, "days (½ j)": "; ".join(entries)} for m, entries in months.items()]


def _table(rows: list[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p class=none>Aucune donnée · None</p>"
    if len(rows) > LONG:
        return _lines(rows)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(document: Mapping[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs time

    person = document["person"]
    sections = []
    for key, title in TITLES.items():
        value = document.get(key) or []
        rows = [{"role": r} for r in value] if key == "roles" else list(value)
        if key == "days":
            rows = _months_of_days(rows)
        if key == "audit_events":
            # Each event's details are in the JSON export; the PDF says what happened when.
            rows = [
                {
                    "seq": row["seq"],
                    "at": str(row["at"])[:19],
                    "event": row["event"],
                    "subject": _short(str(row["subject"])),
                    "actor": _short(str(row["actor"])),
                }
                for row in rows
            ]
        sections.append(f"<h2>{escape(title)}</h2>{_table(rows)}")
    erasure = document.get("erasure")
    if erasure:
        sections.append(
            "<h2>Effacement · Erasure</h2>" + _table(list(erasure["report"].get("items", [])))
        )
    identity = (
        "<table>"
        + "".join(f"<tr><th>{escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in person.items())
        + "</table>"
    )
    html = (
        f"<!doctype html><html lang=fr><head><meta charset=utf-8><style>{CSS}</style>"
        f"<title>Données personnelles — {escape(person['display_name'])}</title></head><body>"
        f"<h1>Vos données dans Carnet · Your data in Carnet</h1>"
        f"<p>{escape(document['organisation']['legal_name'])} · {escape(document['generated_at'])}"
        f" · format {escape(document['format'])}</p>"
        f"<h2>Identité · Identity</h2>{identity}" + "".join(sections) + "</body></html>"
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
