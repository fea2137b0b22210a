"""The month's receipts as one PDF for the accountant: WeasyPrint's third document.

A first page lists the approved lines (who, date, category, amounts, receipts); then each photo
on a page of its own, under the line it justifies. A receipt that is itself a PDF cannot be
drawn by WeasyPrint: it is attached inside the file (PDF attachments, shown by every reader's
paperclip panel), named by its line, and its page says so.
"""

import base64
from datetime import date
from html import escape
from typing import Any

from server.domain.model import Person


def _euros(cents: int) -> str:
    return f"{cents // 100:,}".replace(",", "\u202f") + f",{cents % 100:02d} €"


CSS = """
@page { size: A4; margin: 15mm; @bottom-right { content: counter(page) " / " counter(pages); } }
body { font-family: sans-serif; font-size: 10pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #999; padding: 3px 4px; text-align: left; }
td.n { text-align: right; white-space: nowrap; }
section { page-break-before: always; }
img { max-width: 100%; max-height: 240mm; object-fit: contain; }
"""


def render(
    *,
    organisation: str,
    month: str,
    lines: list[tuple[Person, dict[str, Any], list[tuple[str, str, bytes]]]],
    generated_on: date,
) -> bytes:
    from weasyprint import HTML, Attachment  # imported here: loading Pango costs time

    rows, pages, attachments = [], [], []
    for person, line, files in lines:
        title = (
            f"{escape(person.display_name)} — {line['spent_on'].isoformat()} — "
            f"{escape(line['category'])} — {_euros(line['gross_cents'])}"
        )
        rows.append(
            f"<tr><td>{escape(person.display_name)}</td><td>{line['spent_on'].isoformat()}</td>"
            f"<td>{escape(line['category'])}</td><td>{escape(line['comment'])}</td>"
            f"<td class=n>{_euros(line['gross_cents'])}</td>"
            f"<td class=n>{_euros(line['vat_cents'])}</td><td class=n>{len(files)}</td></tr>"
        )
        for sha, media_type, content in files:
            if media_type == "application/pdf":
                name = f"{line['spent_on'].isoformat()}-{person.id[:8]}-{sha[:12]}.pdf"
                attachments.append(Attachment(string=content, name=name, description=title))
                body = f"<p>Justificatif PDF joint à ce fichier : <b>{escape(name)}</b>.</p>"
            else:
                data = base64.b64encode(content).decode("ascii")
                body = f'<img alt="justificatif {sha[:12]}" src="data:{media_type};base64,{data}">'
            pages.append(f"<section><h2>{title}</h2><p>SHA-256 {sha}</p>{body}</section>")
    html = (
        f"<!doctype html><html lang=fr><head><meta charset=utf-8><style>{CSS}</style>"
        f"<title>Justificatifs {escape(month)}</title></head><body>"
        f"<h1>Justificatifs des frais approuvés — {escape(month)}</h1>"
        f"<p>{escape(organisation)} · édité le {generated_on.isoformat()}</p>"
        "<table><thead><tr><th>Consultant</th><th>Date</th><th>Catégorie</th><th>Commentaire</th>"
        "<th>TTC</th><th>dont TVA</th><th>Justif.</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + "".join(pages)
        + "</body></html>"
    )
    pdf: bytes = HTML(string=html).write_pdf(attachments=attachments)
    return pdf
