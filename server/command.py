"""The `carnet` command's entry point.

`carnet verify-signature` and `carnet --version` are dispatched before anything else is
imported: an auditor re-verifying an evidence file loads no database driver, no settings and
no web framework (docs/signature.md, "Offline verification"). Every other subcommand is
`server.cli`.
"""

import sys
from importlib import metadata


def version() -> str:
    """The installed distribution's version (pyproject.toml), "unknown" when not installed."""
    try:
        return metadata.version("carnet")
    except metadata.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["--version"], ["-V"]):
        print(f"carnet {version()}")
        return 0
    if args[:1] == ["verify-signature"]:
        from server.verify_evidence import main as verify

        return verify(args[1:])
    from server.cli import main as carnet

    return carnet(args)
