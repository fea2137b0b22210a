"""The signed month as a PDF, with its evidence file attached (the only WeasyPrint user here).

The PDF is drawn from the evidence file alone: the month as the signer saw it (the canonical
document), the signature block (signer, time, document hash, credential id) and the file
itself attached as ``signature-evidence.json`` (PDF 1.7 §7.11.4 embedded file), so that the
PDF carries everything needed to re-verify the signature with ``carnet verify-signature``.
"""

import html
import json
from typing import Any

EVIDENCE_NAME = "signature-evidence.json"

_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: sans-serif; font-size: 10.5pt; color: #17202a; }
h1 { font-size: 16pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 1.5mm 2mm; border-bottom: 0.3mm solid #c9d2dc; }
td.num, th.num { text-align: right; }
.block { border: 0.4mm solid #1f4e79; padding: 3mm 4mm; margin-top: 6mm; }
.hash { font-family: monospace; font-size: 8.5pt; word-break: break-all; }
.muted { color: #4d5b69; font-size: 9pt; }
"""

_WORDING = {
    "signature": ("Compte rendu d'activité signé", "Signé par"),
    "attestation": ("Attestation de service fait", "Attesté par"),
}


def _days(half_days: int) -> str:
    whole, half = divmod(half_days, 2)
    return f"{whole},5 j" if half else f"{whole} j"


def _html(evidence: dict[str, Any]) -> str:
    e = html.escape
    document = json.loads(evidence["document"])
    title, signed_by = _WORDING.get(document["mission"].get("wording", ""), _WORDING["signature"])
    rows = "".join(
        f"<tr><td>{e(day['date'])}</td><td class='num'>{_days(day['half_days'])}</td>"
        f"<td>{e(day['comment'])}</td></tr>"
        for day in document["days"]
    )
    signer = evidence["signer"]
    total = _days(document["totals"]["half_days"])
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>{e(title)} — {e(document["month"])}</title><style>{_CSS}</style></head><body>
<h1>{e(title)} — {e(document["month"])}</h1>
<table>
<tr><th>Consultant·e</th><td>{e(document["consultant"]["name"])}</td></tr>
<tr><th>Mission</th><td>{e(document["mission"]["title"])}</td></tr>
<tr><th>Client</th><td>{e(document["mission"]["client"])}</td></tr>
<tr><th>Version du CRA</th><td>{int(document["version"])}, étape {int(document["step"])}</td></tr>
</table>
<h2>Jours</h2>
<table><thead><tr><th>Date</th><th class="num">Jours</th><th>Commentaire</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr><th>Total</th><th class="num">{total}</th><th></th></tr>
</tfoot></table>
<div class="block">
<p><strong>{e(signed_by)}</strong> {e(signer["name"])} &lt;{e(signer["email"])}&gt;</p>
<p>Le {e(evidence["signed_at"])} (UTC), avec une clé d'accès (WebAuthn, vérification de
l'utilisateur exigée) pour {e(evidence["origin"])}.</p>
<p>Empreinte SHA-256 du document signé :<br>
<span class="hash">{e(evidence["document_sha256"])}</span></p>
<p>Identifiant de la clé d'accès :<br>
<span class="hash">{e(evidence["credential"]["id"])}</span></p>
<p class="muted">La preuve complète est jointe à ce PDF ({EVIDENCE_NAME}, format
{e(evidence["format"])}). Vérification hors ligne :
<code>carnet verify-signature {EVIDENCE_NAME}</code>.</p>
</div>
</body></html>"""


def signed_month_pdf(evidence_body: bytes) -> bytes:
    """Render the signed month with its evidence attached.

    Args:
        evidence_body: The evidence file (carnet-signature-evidence/1), exact bytes.

    Returns:
        The PDF bytes.
    """
    # Imported here: WeasyPrint loads Pango and fonts, which only this download needs.
    from weasyprint import HTML, Attachment

    evidence = json.loads(evidence_body)
    attachment = Attachment(
        string=evidence_body,
        name=EVIDENCE_NAME,
        description="Preuve de signature (carnet-signature-evidence/1)",
        relationship="Source",
    )
    pdf = HTML(string=_html(evidence)).write_pdf(attachments=[attachment])
    assert pdf is not None
    return bytes(pdf)
