"""The `carnet` command's entry point.

`carnet verify-signature` is dispatched before anything else is imported: an auditor
re-verifying an evidence file loads no database driver, no settings and no web framework
(docs/signature.md, "Offline verification"). Every other subcommand is `server.cli`.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["verify-signature"]:
        from server.verify_evidence import main as verify

        return verify(args[1:])
    from server.cli import main as carnet

    return carnet(args)
