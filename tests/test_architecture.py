"""The dependency rules of the README's "Architecture", checked by reading every module's imports.

- `sync/` is pure: standard library and pydantic (with its engine, pydantic_core) only; no
  clock, randomness or environment.
- `server/domain/` is pure business rules: no web, storage, crypto or delivery library.
- only `server/storage/` imports piccolo; controllers (`server/api/`) never touch tables.
- only `server/services/webauthn_ceremonies.py` imports webauthn.
"""

import ast
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names)


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "piccolo_migrations" not in p.parts)


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    """Absolute module names imported by a file, with their line numbers."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def top(name: str) -> str:
    return name.split(".", 1)[0]


def violations(package: str, allowed: Callable[[Path, str], bool]) -> list[str]:
    found = []
    for path in modules(package):
        for line, name in imports_of(path):
            if not allowed(path, name):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_sync_imports_only_the_standard_library_and_pydantic() -> None:
    """Make sure sync/ stays pure, so the phone and the server can share it."""
    # pydantic_core is pydantic's own engine (its custom errors and core schemas).
    pure = STDLIB | {"sync", "pydantic", "pydantic_core"}
    assert violations("sync", lambda _, name: top(name) in pure) == []


FORBIDDEN_IN_SYNC = {"os", "random", "secrets", "uuid", "asyncio", "socket", "subprocess"}


def test_sync_takes_time_ids_and_nonces_as_parameters() -> None:
    """Make sure sync/ reads no clock, environment or randomness."""
    found = []
    for path in modules("sync"):
        for line, name in imports_of(path):
            if top(name) in FORBIDDEN_IN_SYNC or name == "time":
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"now", "today", "utcnow", "time"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls .{node.attr}")
    assert found == []


DOMAIN_ALLOWED = STDLIB | {"sync", "server", "pydantic"}


def test_server_domain_imports_no_web_storage_or_delivery_library() -> None:
    """Make sure the server's business rules stay pure."""

    def allowed(_: Path, name: str) -> bool:
        if top(name) == "server":
            return name.startswith("server.domain")
        return top(name) in DOMAIN_ALLOWED

    assert violations("server/domain", allowed) == []


def test_only_storage_imports_piccolo() -> None:
    """Make sure piccolo stays behind server/storage."""

    def allowed(path: Path, name: str) -> bool:
        return top(name) != "piccolo" or "storage" in path.relative_to(ROOT).parts

    assert violations("server", allowed) + violations("sync", allowed) == []


def test_controllers_never_touch_tables() -> None:
    """Make sure server/api reaches storage only through services."""

    def allowed(_: Path, name: str) -> bool:
        return not name.startswith("server.storage.tables") and top(name) != "piccolo"

    assert violations("server/api", allowed) == []


# The offline evidence verifier runs with no database or settings, so it cannot go through the
# services; it uses py_webauthn's low-level COSE parsing and signature helpers only.
# WeasyPrint renders three documents of different owners: the invoice (with its Factur-X XML),
# the signed CRA (with its evidence attached) and the month's receipts; each adapter is the only
# importer for its PDF.
OFFLINE_TOOLS = {
    "webauthn": (ROOT / "server" / "verify_evidence.py",),
    # pyHanko: the seal is made by signed_pdf.py and checked offline by verify_pdf.py; its HTTP
    # timestamp client serves every RFC 3161 request (timestamping.py).
    "pyhanko": (
        ROOT / "server" / "verify_pdf.py",
        ROOT / "server" / "services" / "timestamping.py",
    ),
    "asn1crypto": (
        ROOT / "server" / "services" / "signed_pdf.py",
        ROOT / "server" / "verify_pdf.py",
    ),
    "weasyprint": (
        ROOT / "server" / "services" / "signed_pdf.py",
        # The month's receipts for the accountant (issue 16).
        ROOT / "server" / "services" / "receipts_pdf.py",
    ),
}


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("webauthn", "server/services/webauthn_ceremonies.py"),
        ("facturx", "server/services/facturx_document.py"),
        ("weasyprint", "server/services/facturx_document.py"),
        ("pywebpush", "server/services/push_delivery.py"),
        ("py_vapid", "server/services/push_delivery.py"),
        ("aiohttp", "server/services/push_delivery.py"),
        ("pyhanko", "server/services/signed_pdf.py"),
        ("asn1crypto", "server/timestamp_token.py"),
    ],
)
def test_crypto_library_has_one_home(library: str, home: str) -> None:
    """Make sure a third-party crypto library is imported by one adapter module only."""

    def allowed(path: Path, name: str) -> bool:
        return top(name) != library or path in {ROOT / home, *OFFLINE_TOOLS.get(library, ())}

    assert violations("server", allowed) + violations("sync", allowed) == []


def test_services_and_storage_never_import_the_web_framework() -> None:
    """Make sure only server/api, server/app.py and server/errors.py know about Litestar."""
    web_modules = {ROOT / "server" / "app.py", ROOT / "server" / "errors.py"}

    def allowed(path: Path, name: str) -> bool:
        in_web = "api" in path.relative_to(ROOT).parts or path in web_modules
        return top(name) != "litestar" or in_web

    assert violations("server", allowed) == []


def test_the_checks_see_real_imports() -> None:
    """Make sure the import reader itself works (a broken reader would pass every rule)."""
    names = {name for _, name in imports_of(ROOT / "server" / "storage" / "engine.py")}
    assert "piccolo.engine.sqlite" in names
    assert any(top(n) == "webauthn" for p in modules("server") for _, n in imports_of(p))
