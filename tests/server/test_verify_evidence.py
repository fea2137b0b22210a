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
from tests.factories import World
from tests.server.signing_helpers import month_waiting_on_signer, sign, signer_ready

ROOT = Path(__file__).resolve().parents[2]


async def exported_evidence(world: World) -> dict[str, Any]:
    """A month signed through the portal, its evidence downloaded by the consultant."""
    waiting = await month_waiting_on_signer(world)
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
    assert "signature verified: Signer" in result.stdout
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


def flip_a_day(evidence: dict[str, Any]) -> None:
    document = json.loads(evidence["document"])
    document["days"][0]["half_days"] = 1
    evidence["document"] = json.dumps(document, separators=(",", ":"), sort_keys=True)


def flip_a_day_and_its_hash(evidence: dict[str, Any]) -> None:
    flip_a_day(evidence)
    evidence["document_sha256"] = hashlib.sha256(evidence["document"].encode()).hexdigest()


def flip_the_signature(evidence: dict[str, Any]) -> None:
    signature = bytearray(unb64(evidence["assertion"]["signature"]))
    signature[-1] ^= 0x01
    evidence["assertion"]["signature"] = b64(bytes(signature))


def change_the_origin(evidence: dict[str, Any]) -> None:
    evidence["origin"] = "https://carnet.example"


def change_the_rp_id(evidence: dict[str, Any]) -> None:
    evidence["rp_id"] = "carnet.example"


def swap_the_public_key(evidence: dict[str, Any]) -> None:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    cose = {1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big")}  # fmt: skip
    evidence["credential"]["public_key"] = b64(cbor2.dumps(cose))


def drop_user_verification(evidence: dict[str, Any]) -> None:
    data = bytearray(unb64(evidence["assertion"]["authenticator_data"]))
    data[32] &= ~0x04
    evidence["assertion"]["authenticator_data"] = b64(bytes(data))


def change_the_nonce(evidence: dict[str, Any]) -> None:
    evidence["nonce"] = b64(bytes(32))


@pytest.mark.parametrize(
    ("tamper", "check"),
    [
        (flip_a_day, "document_hash"),
        (flip_a_day_and_its_hash, "challenge"),
        (change_the_nonce, "challenge"),
        (flip_the_signature, "signature"),
        (change_the_origin, "origin"),
        (change_the_rp_id, "rp_id_hash"),
        (swap_the_public_key, "signature"),
        (drop_user_verification, "user_verified"),
    ],
)
async def test_tampered_evidence_fails_naming_the_check(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], tamper: Any, check: str
) -> None:
    """Make sure any change to the evidence fails verification, naming the broken check."""
    evidence = await exported_evidence(world)
    assert failed_check(evidence) is None
    tamper(evidence)
    assert failed_check(evidence) == check
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(evidence))
    assert verify_main([str(path)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {check}:" in out
    assert out.strip().endswith(f"check {check} failed")


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
