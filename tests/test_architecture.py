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
    # aiohttp is also the OpenID Connect client's HTTP (discovery, keys, token endpoint), and
    # the webhooks' client, whose resolver hook checks the very addresses each connection uses
    # (issue 17, SSRF and DNS rebinding).
    "aiohttp": (
        ROOT / "server" / "services" / "oidc_client.py",
        ROOT / "server" / "services" / "webhooks.py",
    ),
    "weasyprint": (
        ROOT / "server" / "services" / "signed_pdf.py",
        # The month's receipts for the accountant (issue 16).
        ROOT / "server" / "services" / "receipts_pdf.py",
        # A person's data export, readable (issue 17, docs/privacy.md).
        ROOT / "server" / "services" / "privacy_pdf.py",
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
        ("authlib", "server/services/oidc_client.py"),
        ("joserfc", "server/services/oidc_client.py"),
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


# -- the direction of imports between our own modules -----------------------------------------
# Every arrow points down this list (the README's "Architecture" section): a module may
# import its own layer or one below, never one above. The month commands sit in the middle of
# the services: the use cases (HTTP circuit, sync push, signer portal, reads) run them, the
# reactions subscribe to what they publish, and they themselves use only the services listed
# under them. Within a layer the order is whatever the imports say, as long as they make no
# cycle (checked below): a cycle is two modules each needing the other, an upward arrow in
# disguise.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "entry points",
        (
            "server.__main__",
            "server.app",
            "server.cli",
            "server.cli_exports",
            "server.command",
            "server.http_protocol",
            "server.verify_evidence",
            "server.verify_pdf",
        ),
    ),
    ("controllers", ("server.api", "server.errors", "server.headers")),
    ("use cases", ("server.services",)),
    ("reactions", ("server.reactions",)),
    ("commands", ("server.commands",)),
    (
        "services under the commands",
        tuple(
            f"server.services.{name}"
            for name in (
                "accounts",
                "anchors",
                "audit_log",
                "clock",
                "email_delivery",
                "expense_decisions",
                "facturx_document",
                "firm_brand",
                "firms",
                "invoicing",
                "notifications",
                "organisation",
                "push_delivery",
                "session_touches",
                "signature_tokens",
                "terms",
                "timestamping",
                "webauthn_ceremonies",
                "webhooks",
            )
        ),
    ),
    (
        "domain and storage",
        # "server" is the package's own __init__ (its version), not everything under it.
        ("server", "server.domain", "server.storage", "server.settings", "server.timestamp_token"),
    ),
    ("sync", ("sync",)),
)

# Entry points that import on demand so that `carnet --help` starts without loading the app,
# the services and their libraries; nothing imports them back, so no cycle hides there.
LAZY_ENTRY_POINTS = {
    ROOT / "server" / "cli.py": "loads a subcommand's services only when it runs",
    ROOT / "server" / "command.py": "the console script: picks the offline verifier or the CLI",
    ROOT / "server" / "verify_evidence.py": "the offline verifier loads the PDF reader on demand",
}


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


OURS = {module_of(p): p for package in ("server", "sync") for p in modules(package)}


def our_imports(path: Path) -> Iterator[tuple[int, str, bool]]:
    """Our modules a file imports: line, module (or package), and whether inside a function."""
    tree = ast.parse(path.read_text(), filename=str(path))
    in_function: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(n for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in OURS
                else node.module
                for alias in node.names
            ]
        for target in targets:
            if target in OURS:
                yield node.lineno, target, node in in_function


def layer_of(module: str) -> int:
    """The index in LAYERS of the longest prefix naming the module (-1: no layer)."""
    best, best_length = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            below = module.startswith(prefix + ".") and prefix != "server"
            if (module == prefix or below) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def upward(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for importer, imported in sorted(graph.items()):
        for target in sorted(imported):
            if layer_of(target) < layer_of(importer):
                found.append(
                    f"{importer} ({LAYERS[layer_of(importer)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    """Our modules and the modules each imports (a package's ``__init__`` counts as one).

    The on-demand imports of LAZY_ENTRY_POINTS are left out: they dispatch to a subcommand
    (`carnet` → `server.cli`, which takes `version` back from `server.command`), they are
    not what the module needs to load.
    """
    graph: dict[str, set[str]] = {}
    for module, path in OURS.items():
        graph[module] = {
            target
            for _, target, inside in our_imports(path)
            if target != module and not (inside and path in LAZY_ENTRY_POINTS)
        }
    return graph


def test_every_module_has_a_layer() -> None:
    """Make sure a new package is placed in LAYERS (else its imports go unchecked)."""
    assert [m for m in OURS if layer_of(m) < 0] == []


def test_imports_point_down_the_layers() -> None:
    """Make sure no module imports one of a layer above it (e.g. a service importing a
    controller, storage a service, a command a reaction)."""
    assert upward(import_graph()) == []


def test_our_modules_import_each_other_in_no_cycle() -> None:
    """Make sure no two modules need each other, directly or round a loop."""
    assert cycles(import_graph()) == []


def test_no_import_of_our_modules_is_hidden_in_a_function() -> None:
    """Make sure no import of our own modules sits inside a function, where it would hide a
    cycle from the checks above; only the listed entry points import on demand."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target} inside a function"
        for path in OURS.values()
        if path not in LAZY_ENTRY_POINTS
        for line, target, in_function in our_imports(path)
        if in_function
    ]
    assert found == []


def test_the_direction_checks_catch_what_they_are_for() -> None:
    """Make sure the checkers themselves see an upward import, a cycle and a hidden import."""
    assert upward({"server.storage.sync_store": {"server.services.circuit"}}) != []
    assert upward({"server.commands.month": {"server.reactions.month"}}) != []
    assert upward({"server.services.audit_log": {"server.commands.month_tx"}}) != []
    assert upward({"server.api.sync": {"server.services.sync_service"}}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    hidden = [
        (line, target)
        for line, target, inside in our_imports(ROOT / "server" / "cli.py")
        if inside
    ]
    assert hidden, "cli.py imports on demand: the reader must see it"
    assert ("server.commands.month", False) in {
        (t, inside) for _, t, inside in our_imports(ROOT / "server" / "services" / "circuit.py")
    }
