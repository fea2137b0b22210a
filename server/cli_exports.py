"""`carnet export fec|payroll`: the accounting and payroll files, written to a file or stdout."""

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from server.domain.errors import DomainError
from server.domain.roles import Actor, Role
from server.services import exports
from server.storage import repositories as repo


def add_parser(commands: "argparse._SubParsersAction[Any]") -> None:
    export = commands.add_parser("export", help="write the FEC or the payroll variables")
    kinds = export.add_subparsers(
        dest="export_kind", required=True, metavar="KIND", parser_class=type(export)
    )
    fec = kinds.add_parser("fec", help="accounting entries (FEC) of a period")
    fec.add_argument(
        "--start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD"
    )
    fec.add_argument("--end", type=date.fromisoformat, required=True, help="last day, YYYY-MM-DD")
    fec.add_argument("--customers-account", default="411000", help="customers' account")
    fec.add_argument("--sales-account", default="706000", help="sales account")
    fec.add_argument(
        "--vat-account", default="445710", help="VAT account (445740 for VAT on payments)"
    )
    payroll = kinds.add_parser("payroll", help="absences of a month's validated CRAs (CSV)")
    payroll.add_argument("--month", required=True, help="YYYY-MM")
    payroll.add_argument("--codes", default="", help="code mapping, e.g. CP=CP01,RTT=RT01")
    for sub in (fec, payroll):
        sub.add_argument("--siren", help="organisation SIREN (when there are several)")
        sub.add_argument(
            "--output",
            "-o",
            help="file or directory, '-' for stdout (default: the current directory)",
        )


async def _actor(siren: str | None) -> Actor:
    people = await repo.list_all_people()
    organisations = {p.organisation_id for p in people}
    if siren:
        found = [await repo.get_organisation(o) for o in organisations]
        organisations = {o.id for o in found if o is not None and o.siren == siren}
    if len(organisations) != 1:
        raise DomainError("name the organisation with --siren")
    return Actor(person_id="", organisation_id=organisations.pop(), roles=frozenset({Role.ADMIN}))


async def run(args: argparse.Namespace) -> tuple[str, bytes]:
    actor = await _actor(args.siren)
    if args.export_kind == "fec":
        accounts = exports.accounts(
            customers=args.customers_account, sales=args.sales_account, vat=args.vat_account
        )
        return await exports.fec_export(
            actor=actor, start=args.start, end=args.end, accounts=accounts
        )
    return await exports.payroll_export(actor=actor, month=args.month, codes=args.codes)


def write(name: str, body: bytes, output: str | None) -> str:
    """Write the file; return where it went."""
    if output == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return "stdout"
    target = Path(output or ".")
    if target.is_dir():
        target = target / name
    target.write_bytes(body)
    return str(target)
