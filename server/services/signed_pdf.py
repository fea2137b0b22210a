"""The signed month as a PDF, with its evidence file attached, sealed by the firm.

The PDF is drawn from the evidence file alone: the month as the signer saw it (the canonical
document), the signature block (signer, time, document hash, credential id) and the file
itself attached as ``signature-evidence.json`` (PDF 1.7 §7.11.4 embedded file), so that the
PDF carries everything needed to re-verify the signature with ``carnet verify-signature``.

Then the firm seals it: a PAdES signature (ETSI EN 319 142-1, ``ETSI.CAdES.detached``) made
with pyHanko over the whole file, with an RFC 3161 signature timestamp when a TSA is configured
(PAdES-B-T; B-B without). Any byte changed afterwards breaks the seal. The seal certificate and
key come from ``CARNET_SEAL_CERTIFICATE_FILE`` / ``CARNET_SEAL_KEY_FILE``; without them a
self-signed seal is generated once in the data directory, and the PDF says it is a demo seal
(it proves integrity, not the firm's identity).
"""

import html
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from server.services import timestamping
from server.settings import Settings

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


def _html(evidence: dict[str, Any], seal_note: str = "") -> str:
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
<p class="muted">{e(seal_note)}</p>
</div>
</body></html>"""


def signed_month_pdf(evidence_body: bytes, seal_note: str = "") -> bytes:
    """Render the signed month with its evidence attached (not sealed yet: see ``seal``).

    Args:
        evidence_body: The evidence file (carnet-signature-evidence/2), exact bytes.
        seal_note: A sentence about the seal to print under the signature block.

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
    pdf = HTML(string=_html(evidence, seal_note)).write_pdf(attachments=[attachment])
    assert pdf is not None
    return bytes(pdf)


SEAL_FIELD = "CachetESN"
DEMO_SEAL_NAME = "Carnet - cachet de démonstration (auto-signé)"


@dataclass(frozen=True)
class Seal:
    """The firm's seal: a pyHanko signer, and what the PDF says about it."""

    signer: SimpleSigner
    subject: str
    self_signed: bool

    @property
    def note(self) -> str:
        if self.self_signed:
            return (
                f"PDF scellé avec un certificat auto-signé de démonstration ({self.subject}) : "
                "il protège l'intégrité du fichier, il ne prouve pas l'identité de l'ESN."
            )
        return f"PDF scellé par {self.subject} (cachet électronique, PAdES)."


def _demo_seal_files(data_dir: Path) -> tuple[Path, Path]:
    """A self-signed seal in the data directory, made once (demo and first runs only)."""
    cert_path, key_path = data_dir / "seal-demo.pem", data_dir / "seal-demo-key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_SEAL_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Carnet (démonstration)"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def load_seal(settings: Settings) -> Seal:
    """The configured seal, or the generated demo seal when none is configured."""
    if settings.seal_certificate_file and settings.seal_key_file:
        cert_path, key_path = Path(settings.seal_certificate_file), Path(settings.seal_key_file)
    else:
        cert_path, key_path = _demo_seal_files(settings.data_dir)
    chain = x509.load_pem_x509_certificates(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    der = serialization.Encoding.DER
    leaf = asn1_x509.Certificate.load(chain[0].public_bytes(der))
    signer = SimpleSigner(
        signing_cert=leaf,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain]
        ),
    )
    return Seal(
        signer=signer,
        subject=chain[0].subject.rfc4514_string(),
        self_signed=chain[0].issuer == chain[0].subject,
    )


async def seal(pdf: bytes, *, settings: Settings, seal: Seal) -> bytes:
    """Seal a PDF for the firm (PAdES), timestamped when a TSA is configured.

    Raises:
        TimestampUnavailable: never: a failing TSA raises pyHanko's error, mapped by the
            caller; the seal itself needs no network.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Cachet de l'ESN sur le CRA signé et sa preuve",
        name=seal.subject,
    )
    signer = signers.PdfSigner(
        metadata, signer=seal.signer, timestamper=timestamping.stamper(settings)
    )
    out = await signer.async_sign_pdf(writer, output=io.BytesIO())
    return bytes(out.getvalue())
