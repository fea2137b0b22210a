"""Offline re-verification of a real exported signature (`carnet verify-signature`)."""

import ast
import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.command import main as carnet
from server.verify_evidence import main as verify_main
from server.verify_evidence import verify
from tests import independent_verifier
from tests.factories import World
from tests.server.signing_helpers import month_waiting_on_signer, sign, signer_ready
from tests.tsa import LocalAuthority, timestamped_settings, tsa_fixture  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]


async def exported_evidence(world: World, **waiting_on: Any) -> dict[str, Any]:
    """A month signed through the portal, its evidence downloaded by the consultant."""
    waiting = await month_waiting_on_signer(world, **waiting_on)
    browser, authenticator = await signer_ready(world, waiting)
    signed = await sign(browser, authenticator)
    assert signed.status_code == 201, signed.text
    response = await waiting.consultant.browser.get(
        f"/api/v1/signatures/{signed.json()['evidence_id']}/evidence"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    return dict(json.loads(response.content))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def failed_check(evidence: dict[str, Any]) -> str | None:
    results = verify(evidence)
    return next((r.name for r in results if not r.ok), None)


async def test_a_real_exported_signature_verifies_offline_in_a_fresh_process(
    world: World, tmp_path: Path
) -> None:
    """Make sure the documented command verifies a real evidence file with no database."""
    workdir = tmp_path / "offline"
    workdir.mkdir()
    path = workdir / "evidence.json"
    path.write_text(json.dumps(await exported_evidence(world)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARNET_", "DATABASE"))}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "server.verify_evidence", str(path)],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("document_hash", "challenge", "origin", "rp_id_hash", "user_verified"):
        assert f"ok   {name}:" in result.stdout
    assert "ok   signature: COSE algorithm -7" in result.stdout
    assert "signature verified: the passkey signed the CRA 2026-11" in result.stdout
    assert "Trusted time: RFC 3161 timestamp by O=Carnet tests,CN=Carnet test TSA" in result.stdout
    assert "Registration of the key (CRA-ENROL-v1)" in result.stdout
    assert "Not signed (Carnet's references, covered by the timestamp only): month.id" in (
        result.stdout
    )
    assert list(workdir.iterdir()) == [path], "verification must create no file (no database)"


async def test_carnet_verify_signature_command(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Make sure `carnet verify-signature FILE` runs the same checks, with no settings read."""
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(await exported_evidence(world)))
    assert carnet(["verify-signature", str(path)]) == 0
    assert "signature verified" in capsys.readouterr().out
    # As an auditor runs it, in a fresh process: the server, its storage and web framework
    # are never loaded, and the command's answer is the verdict.
    probe = (
        "import sys; from server.command import main; code = main(sys.argv[1:]); "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'litestar', 'piccolo', 'asyncpg', 'aiosqlite', 'weasyprint', 'pywebpush'}); "
        "print('loaded', heavy); sys.exit(code)"
    )
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", probe, "verify-signature", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "loaded []" in run.stdout and "signature verified" in run.stdout


def b64u(raw: bytes) -> str:
    return b64(raw)


def redo_document(evidence: dict[str, Any], change: Any) -> None:
    """Change the signed document and recompute its hash, as a forger would."""
    document = json.loads(evidence["document"])
    change(document)
    evidence["document"] = json.dumps(document, separators=(",", ":"), sort_keys=True)
    evidence["document_sha256"] = hashlib.sha256(evidence["document"].encode()).hexdigest()


def flip_a_day(evidence: dict[str, Any]) -> None:
    document = json.loads(evidence["document"])
    document["days"][0]["half_days"] = 1
    evidence["document"] = json.dumps(document, separators=(",", ":"), sort_keys=True)


def set_field(path: str, value: Any) -> Any:
    def change(evidence: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = evidence
        for key in parents:
            target = target[key]
        target[last] = value(target[last]) if callable(value) else value

    change.__name__ = f"set_{path.replace('.', '_')}"
    return change


def flip_bit(path: str, at: int | None = None) -> Any:
    def flip(raw: str) -> str:
        data = bytearray(unb64(raw))
        data[len(data) // 2 if at is None else at] ^= 0x01
        return b64(bytes(data))

    return set_field(path, flip)


def high_s_twin(evidence: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives.asymmetric import utils

    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    r, s = utils.decode_dss_signature(unb64(evidence["assertion"]["signature"]))
    evidence["assertion"]["signature"] = b64(utils.encode_dss_signature(r, order - s))


def swap_the_public_key(evidence: dict[str, Any]) -> None:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big")}  # fmt: skip
    evidence["credential"]["public_key"] = b64(cbor2.dumps(cose))


def drop_user_verification(evidence: dict[str, Any]) -> None:
    data = bytearray(unb64(evidence["assertion"]["authenticator_data"]))
    data[32] &= ~0x04
    evidence["assertion"]["authenticator_data"] = b64(bytes(data))


def client_data_from(origin: str) -> Any:
    def change(evidence: dict[str, Any]) -> None:
        data = json.loads(unb64(evidence["assertion"]["client_data_json"]))
        data["origin"] = origin
        evidence["assertion"]["client_data_json"] = b64(json.dumps(data).encode())

    return change


def registration_statement(change: Any) -> Any:
    def tamper(evidence: dict[str, Any]) -> None:
        statement = json.loads(evidence["registration"]["statement"])
        change(statement)
        evidence["registration"]["statement"] = json.dumps(
            statement, separators=(",", ":"), sort_keys=True
        )

    return tamper


def timestamp_of_another_file(evidence: dict[str, Any]) -> None:
    evidence["timestamp"] = evidence["registration"]["timestamp"]


TAMPERINGS = [
    # outer fields that repeat signed ones
    (set_field("signer.name", "Someone Else"), "signer"),
    (set_field("signer.email", "someone.else@example.com"), "signer"),
    (set_field("signer.id", "00000000-0000-0000-0000-000000000000"), "signer"),
    (set_field("signer.role", "consultant"), "signer"),
    (set_field("month.month", "2026-10"), "month"),
    (set_field("month.version", lambda v: v + 1), "month"),
    (set_field("month.step", 1), "month"),
    (set_field("sign_count", lambda n: n + 1), "sign_count"),
    (set_field("credential.backed_up", True), "backed_up"),
    (set_field("credential.id", b64(bytes(32))), "registration_key"),
    (set_field("assertion.user_handle", b64(b"someone-else")), "user_handle"),
    (set_field("rp_id", "carnet.example"), "rp_id_hash"),
    (set_field("origin", "https://carnet.example"), "origin"),
    (set_field("nonce", b64(bytes(32))), "challenge"),
    (flip_bit("challenge"), "challenge"),
    (set_field("document_sha256", "0" * 64), "document_hash"),
    (set_field("format", "carnet-signature-evidence/1"), "format"),
    (set_field("verified_by", "a notary"), "fields"),
    # Carnet's own references: covered by the timestamp
    (set_field("month.id", "00000000-0000-0000-0000-000000000000"), "timestamp"),
    (set_field("month.epoch", lambda v: v + 1), "timestamp"),
    (set_field("signed_at", "2026-11-15T09:00:00.000000Z"), "timestamp"),
    # what the passkey signed
    (flip_a_day, "document_hash"),
    (lambda e: redo_document(e, lambda d: d["days"][0].update(half_days=1)), "challenge"),
    (lambda e: redo_document(e, lambda d: d["signer"].update(name="X")), "challenge"),
    (lambda e: redo_document(e, lambda d: d.update(version=d["version"] + 1)), "challenge"),
    (flip_bit("assertion.signature"), "signature"),
    (high_s_twin, "signature"),
    (swap_the_public_key, "signature"),
    (drop_user_verification, "user_verified"),
    (client_data_from("https://carnet.example"), "origin"),
    # the key's registration
    (set_field("registration", None), "registration"),
    (set_field("registration.registered_at", "2026-11-01T09:00:00.000000Z"), "registration"),
    (registration_statement(lambda s: s["email_code"].update(sent_to="x@y.z")), "registration"),
    (flip_bit("registration.client_data_json"), "registration"),
    (flip_bit("registration.timestamp", at=-1), "registration_timestamp"),
    # the evidence's timestamp
    (flip_bit("timestamp", at=-1), "timestamp"),
    (timestamp_of_another_file, "timestamp"),
]


@pytest.mark.parametrize(
    ("tamper", "check"),
    TAMPERINGS,
    ids=[f"{i:02d}-{check}" for i, (_, check) in enumerate(TAMPERINGS)],
)
async def test_tampered_evidence_fails_naming_the_check_in_both_verifiers(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Any, check: str
) -> None:
    """Make sure each change to a real evidence file fails in carnet verify-signature and in
    the independent verifier written from docs/signature.md, both naming the same check."""
    evidence = await exported_evidence(world)
    assert failed_check(evidence) is None
    assert independent_verifier.verify(evidence) is None
    tamper(evidence)
    assert failed_check(evidence) == check
    assert independent_verifier.verify(evidence) == check
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(evidence))
    assert verify_main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {check}:" in out
    assert out.strip().endswith(f"check {check} failed")


async def test_a_file_without_its_timestamp_fails_when_one_is_required(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Make sure removing the timestamp is refused when the reader requires one, and that
    otherwise the verdict says the time is only the server's word."""
    evidence = await exported_evidence(world)
    evidence["timestamp"] = None
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(evidence))
    assert verify_main([str(path), "--require-timestamp"]) == 1
    assert "FAIL timestamp: no timestamp, and one was required" in capsys.readouterr().out
    assert verify_main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "Trusted time: none. The signing time is only the server's word." in out
    assert "covered by nothing" in out


async def test_the_tsa_root_can_be_required(
    world: World,
    tmp_path: Path,
    tsa: tuple[str, LocalAuthority],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Make sure --tsa-root accepts the TSA's own root and refuses another one."""
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(await exported_evidence(world)))
    root = tmp_path / "root.pem"
    root.write_bytes(tsa[1].root_pem())
    other = tmp_path / "other.pem"
    other.write_bytes(LocalAuthority.create().root_pem())
    assert verify_main([str(path), "--tsa-root", str(root)]) == 0
    assert verify_main([str(path), "--tsa-root", str(other)]) == 1
    assert "not issued by a trusted root" in capsys.readouterr().out


async def test_the_stored_signature_is_low_s(world: World) -> None:
    """Make sure an ECDSA signature is stored in its low-S form whatever the authenticator sent."""
    from cryptography.hazmat.primitives.asymmetric import utils

    for month in range(1, 7):  # about half of raw ECDSA signatures are high-S
        evidence = await exported_evidence(
            world, month=f"2026-{month:02d}", signer=f"signer{month}"
        )
        _, s = utils.decode_dss_signature(unb64(evidence["assertion"]["signature"]))
        assert s <= 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551 // 2


def test_unreadable_evidence_exits_2(tmp_path: Path) -> None:
    """Make sure a file that is not JSON is reported, not a traceback."""
    path = tmp_path / "evidence.json"
    path.write_text("not json")
    assert verify_main([str(path)]) == 2


def test_the_verifier_needs_no_database_or_settings() -> None:
    """Make sure the offline verifier imports nothing from storage, services or settings."""
    tree = ast.parse((ROOT / "server" / "verify_evidence.py").read_text())
    names = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [None])  # type: ignore[list-item]
    ]
    forbidden = ("piccolo", "server.storage", "server.services", "server.settings", "litestar")
    assert [n for n in names if n and n.startswith(forbidden)] == []
