"""`carnet` (or `python -m server`): serve, migrate, create the first admin, invite, demo."""

import argparse
import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from server import cli_exports
from server.command import version
from server.domain.errors import DomainError
from server.domain.roles import Role
from server.services import directory, firms
from server.services.accounts import Accounts
from server.services.clock import system_clock
from server.services.demo import load_demo
from server.settings import Settings
from server.storage import repositories as repo
from server.storage.engine import bind_tables, close_engine, engine_from_url, open_engine
from server.storage.migrate import run_migrations

T = TypeVar("T")


def _with_storage(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = engine_from_url(settings.resolved_database_url)
        bind_tables(engine)
        await open_engine(engine)
        try:
            return await work()
        finally:
            await close_engine(engine)

    return asyncio.run(run())


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from server.app import create_app
    from server.http_protocol import PROTOCOL

    # Forwarded headers are read by the app itself, from the proxies the settings name only
    # (uvicorn would trust any loopback caller); no `server` header announces what we run.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
        # uvicorn's C HTTP parser (with h11's bound on a request's head) and the libuv event loop,
        # named rather than left to "auto": against h11 and asyncio's own loop they save about
        # 0.2-0.3 ms of server CPU a request (docs/benchmarks.md), and a missing install stops
        # `carnet serve` at start-up instead of quietly serving slower.
        http=PROTOCOL,
        loop="uvloop",
    )


def _create_admin(settings: Settings, args: argparse.Namespace) -> str:
    async def work() -> str:
        if await repo.count_organisations() > 0:
            msg = "an organisation already exists; invite people from the app instead"
            raise DomainError(msg)
        org = await repo.create_organisation(
            legal_name=args.organisation,
            siren=args.siren,
            siret=args.siret,
            vat_number=args.vat,
            address=args.address,
        )
        admin = await directory.create_person(
            organisation_id=org.id,
            new=directory.NewPerson(
                email=args.email, display_name=args.name, roles=frozenset(args.roles)
            ),
        )
        accounts = Accounts(settings=settings, clock=system_clock)
        return await accounts.issue_invitation(person=admin, created_by=None)

    return _with_storage(settings, work)


def _create_firm(settings: Settings, args: argparse.Namespace) -> str:
    """A firm on its own host name and its first administrator's invitation link
    (docs/multi-tenant.md)."""

    async def work() -> str:
        if await repo.get_person_by_email(args.admin_email.strip().lower()) is not None:
            raise directory.email_taken(args.admin_email.strip().lower())
        org = await firms.create_firm(
            legal_name=args.name,
            host=args.host,
            rp_id=args.rp_id,
            origin=args.origin,
            siren=args.siren,
            siret=args.siret,
            vat_number=args.vat,
            address_text=args.address,
        )
        admin = await directory.create_person(
            organisation_id=org.id,
            new=directory.NewPerson(
                email=args.admin_email,
                display_name=args.admin_name or args.admin_email.split("@")[0],
                roles=frozenset({Role.ADMIN}),
            ),
        )
        accounts = Accounts(settings=settings, clock=system_clock)
        return await accounts.issue_invitation(person=admin, created_by=None)

    return _with_storage(settings, work)


def _firm_host(settings: Settings, args: argparse.Namespace) -> str:
    async def work() -> str:
        await firms.set_address(
            organisation_id=args.organisation, host=args.host, rp_id=args.rp_id, origin=args.origin
        )
        return f"{args.organisation} answers on {args.host.strip().lower()}"

    return _with_storage(settings, work)


def _firms(settings: Settings) -> None:
    from server.storage import firm_store

    for row, name in _with_storage(settings, firm_store.list_firms):
        firm = firms.address(row, settings)
        print(f"{row.id}  {row.host or '(any host)':<32} rp={firm.rp_id:<24} {name}")


def _invite(settings: Settings, args: argparse.Namespace) -> str:
    async def work() -> str:
        if args.reinvite:
            person = await repo.get_person_by_email(args.email.lower())
            if person is None:
                raise DomainError(f"no person with email {args.email}")
        else:
            admin = await repo.get_person_by_email(args.by.lower()) if args.by else None
            orgs = await repo.count_organisations()
            if admin is None and orgs != 1:
                raise DomainError("name the inviting administrator with --by")
            organisation_id = admin.organisation_id if admin else await _only_organisation()
            person = await directory.create_person(
                organisation_id=organisation_id,
                new=directory.NewPerson(
                    email=args.email,
                    display_name=args.name,
                    roles=frozenset(Role(r) for r in args.role),
                ),
            )
        accounts = Accounts(settings=settings, clock=system_clock)
        return await accounts.issue_invitation(person=person, created_by=None)

    return _with_storage(settings, work)


async def _only_organisation() -> str:
    people = await repo.list_all_people()
    return people[0].organisation_id


def _demo(settings: Settings, host: str, port: int, serve: bool) -> None:
    run_migrations(settings.resolved_database_url)

    async def work() -> bool:
        if await repo.count_organisations() > 0:
            return False
        await load_demo(today=date.today(), history=True)
        return True

    loaded = _with_storage(settings, work)
    people = _with_storage(settings, repo.list_all_people)
    print()
    print("Carnet — démo" + (" (données créées)" if loaded else " (données existantes)"))
    print(f"  Ouvrez {settings.origin}/ dans votre navigateur.")
    print("  Connexion de démonstration (sans clé d'accès, seulement sur cette machine) :")
    for person in people:
        roles = ", ".join(sorted(r.value for r in person.roles))
        print(f"    {person.display_name:<16} {roles:<14} {settings.origin}/#demo={person.email}")
    signature_links = _with_storage(
        settings,
        lambda: _demo_signature_links(
            settings, [p for p in people if p.roles == {Role.CLIENT_SIGNER}]
        ),
    )
    if signature_links:
        print("  Liens de signature (signataire client, à usage unique) :")
        for line in signature_links:
            print(f"    {line}")
    print("  API : " + settings.origin + "/schema   ·   Arrêt : Ctrl+C")
    print(flush=True)
    if serve:
        _serve(settings, host, port)


def _audit_verify(settings: Settings, organisation_id: str | None) -> int:
    """Walk every organisation's audit chain; print OK with the count, or the first break."""
    from server.services import audit_log

    verdicts = _with_storage(settings, lambda: audit_log.verify(organisation_id))
    broken = 0
    for verdict in verdicts:
        check = verdict.check
        anchors = verdict.anchors
        if check.ok and anchors is not None and anchors.problem is not None:
            broken += 1
            print(f"BROKEN {verdict.organisation_id}: {anchors.problem}")
        elif check.ok:
            anchored = (
                f", reaches its {anchors.anchors} anchor(s), the latest at seq "
                f"{anchors.latest.seq} ({anchors.latest.gen_time.isoformat()})"
                if anchors is not None and anchors.latest is not None
                else ", no anchor yet (a cut tail would not be seen)"
            )
            print(f"OK {verdict.organisation_id}: {check.checked} entries, chain intact{anchored}")
        else:
            broken += 1
            print(
                f"BROKEN {verdict.organisation_id}: entry seq {check.first_broken_seq} "
                f"({check.checked} entries intact before it): {check.reason}"
            )
    if not verdicts:
        print("OK: no audit entries yet")
    return 1 if broken else 0


async def _demo_signature_links(settings: Settings, signers: list[Any]) -> list[str]:
    from server.services.signatures import links_for_signer

    lines = []
    for signer in signers:
        for timesheet, link in await links_for_signer(
            settings=settings, clock=system_clock, signer_id=signer.id
        ):
            consultant = await repo.get_person(timesheet.consultant_id)
            owner = consultant.display_name if consultant else "?"
            lines.append(f"{signer.display_name} → CRA {timesheet.month} de {owner} : {link}")
    return lines


def _signature_link(settings: Settings, args: argparse.Namespace) -> str:
    from server.services.signatures import issue_signature_link
    from server.storage import signatures as signature_store

    async def work() -> str:
        consultant = await repo.get_person_by_email(args.email.strip().lower())
        if consultant is None:
            raise DomainError(f"no person with email {args.email}")
        month_id = (await signature_store.month_ids_of(consultant.id)).get(args.month)
        if month_id is None:
            raise DomainError(f"{args.email} has no CRA for {args.month}")
        return await issue_signature_link(settings=settings, clock=system_clock, month_id=month_id)

    return _with_storage(settings, work)


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    """Run the reminder scheduler and the outbox worker until SIGTERM or SIGINT."""
    import logging
    import signal

    from server.services.notifications import NotificationRuntime, OutboxWorker
    from server.services.privacy import RetentionRuntime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    async def work() -> None:
        worker = OutboxWorker(
            settings=settings, lease_ms=int(args.lease_seconds * 1000), batch=args.batch
        )
        runtime = NotificationRuntime(settings=settings, worker=worker)
        if args.once:
            await runtime.tick()
            await worker.close()
            return
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stopping.set)
        runtime.start()
        # Retention runs with the other background work (docs/privacy.md); each pass is
        # idempotent, so several workers may run it.
        retention = RetentionRuntime(clock=system_clock)
        retention.start()
        print(f"worker {worker.worker_id}: ready", flush=True)
        await stopping.wait()
        await retention.stop()
        await runtime.stop()
        figures = worker.figures
        print(
            f"worker {worker.worker_id}: sent {figures.sent}, retried {figures.retried}, "
            f"dropped {figures.dropped}",
            flush=True,
        )

    _with_storage(settings, work)


def _retention_run(settings: Settings, *, dry_run: bool) -> None:
    """Apply every firm's retention periods now (docs/privacy.md); print what went, per kind."""
    from server.services import privacy

    results = _with_storage(
        settings, lambda: privacy.run_retention(now=system_clock(), dry_run=dry_run)
    )
    verb = "would delete" if dry_run else "deleted"
    print(f"{'rows':>8}  {'kept days':>9}  {'organisation':<36} kind ({verb})")
    for result in results:
        where = result.organisation_id or "(none: rows bound to no firm)"
        print(f"{result.count:>8}  {result.days:>9}  {where:<36} {result.kind.value}")
    print(f"{sum(r.count for r in results)} row(s) past their period {verb}.")


def _outbox(settings: Settings) -> None:
    """Print the outbox figures: rows per state and outcome, or say it is empty."""
    from server.storage import notification_store

    figures = _with_storage(settings, notification_store.outbox_figures)
    if not figures:
        print("The outbox is empty: no reminder or notification has been queued yet.")
        return
    print(f"{'rows':>8}  {'state':<8} outcome")
    for state, outcome, count in figures:
        print(f"{count:>8}  {state:<8} {outcome}")


class _Help(argparse.HelpFormatter):
    """Adds "(default: …)" to an option's help when it has a default worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        quiet = action.default in (None, False, "", [], argparse.SUPPRESS)
        if quiet or not action.option_strings or "%(default)" in text:
            return text
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Every `carnet` parser shows each option's default in its help (`carnet serve -h`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(**kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The `carnet` command line: every subcommand and option, with its help and default."""
    parser = _Parser(prog="carnet", description=__doc__)
    parser.add_argument("--version", "-V", action="version", version=f"carnet {version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    serve = commands.add_parser("serve", help="run the HTTP server")
    _listen(serve)

    commands.add_parser("migrate", help="apply database migrations")

    admin = commands.add_parser("create-admin", help="create the organisation and its admin")
    admin.add_argument("--email", required=True, help="the administrator's email")
    admin.add_argument("--name", required=True, help="the administrator's display name")
    admin.add_argument("--organisation", required=True, help="the organisation's legal name")
    admin.add_argument("--siren", default="000000000", help="the organisation's SIREN")
    admin.add_argument("--siret", default="00000000000000", help="its head office's SIRET")
    admin.add_argument("--vat", default="", help="intra-EU VAT number, if any")
    admin.add_argument("--address", default="", help="postal address, for invoices")
    admin.add_argument(
        "--freelance",
        dest="roles",
        action="store_const",
        const=[Role.ADMIN, Role.CONSULTANT],
        default=[Role.ADMIN],
        help="the admin is also the consultant (a freelance's own company)",
    )

    firm = commands.add_parser(
        "create-firm",
        help="create another firm on its own host name and its first admin; prints the link",
    )
    firm.add_argument("--name", required=True, help="the firm's legal name")
    firm.add_argument("--host", required=True, help="its host name: firm.example[:port]")
    firm.add_argument("--admin-email", required=True, help="its first administrator's email")
    firm.add_argument("--admin-name", default="", help="the administrator's display name")
    _firm_address(firm)
    firm.add_argument("--siren", default="000000000", help="the firm's SIREN")
    firm.add_argument("--siret", default="00000000000000", help="its head office's SIRET")
    firm.add_argument("--vat", default="", help="intra-EU VAT number, if any")
    firm.add_argument("--address", default="", help="postal address, for invoices")

    host = commands.add_parser("firm-host", help="set the host name a firm answers on")
    host.add_argument("--organisation", required=True, help="the firm's organisation id")
    host.add_argument("--host", required=True, help="its host name: firm.example[:port]")
    _firm_address(host)
    commands.add_parser("firms", help="list the firms, their host names and relying-party ids")

    invite = commands.add_parser("invite", help="invite a person; prints the link")
    invite.add_argument("--email", required=True, help="the invitee's email")
    invite.add_argument("--name", default="", help="the invitee's display name")
    invite.add_argument(
        "--role",
        action="append",
        default=[],
        choices=[r.value for r in Role],
        help="a role of the invitee; repeat for several",
    )
    invite.add_argument(
        "--by", help="email of the inviting administrator (needed with several organisations)"
    )
    invite.add_argument("--reinvite", action="store_true", help="new link for an existing person")

    demo = commands.add_parser("demo", help="migrate, load demo data if empty, serve")
    _listen(demo)
    demo.add_argument("--no-serve", action="store_true", help="load and print, do not serve")

    audit = commands.add_parser("audit", help="the tamper-evident audit trail")
    audit_commands = audit.add_subparsers(
        dest="audit_command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    verify = audit_commands.add_parser(
        "verify", help="recompute the hash chains; exit 1 and name the first broken entry"
    )
    verify.add_argument(
        "--organisation", help="only this organisation's chain (its id); all when omitted"
    )
    link = commands.add_parser(
        "signature-link", help="print a signature link for a month waiting on a client signer"
    )
    link.add_argument("--email", required=True, help="the consultant's email")
    link.add_argument("--month", required=True, help="the CRA's month, YYYY-MM")

    verify = commands.add_parser(
        "verify-signature", help="re-verify a signature offline from its evidence file"
    )
    verify.add_argument("evidence", help="the evidence file (JSON) or the sealed PDF")
    verify.add_argument(
        "--require-timestamp",
        action="store_true",
        help="fail when the evidence carries no RFC 3161 timestamp (default: accept without)",
    )
    verify.add_argument(
        "--tsa-root",
        action="append",
        default=[],
        metavar="CERT",
        help="a timestamping authority root certificate (PEM) to trust; repeat for several "
        "(default: none, the authority's fingerprint is printed)",
    )
    cli_exports.add_parser(commands)
    worker = commands.add_parser(
        "worker", help="send reminders and notifications (extra processes, on PostgreSQL)"
    )
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--batch", type=int, default=50, help="rows claimed at a time")
    worker.add_argument(
        "--lease-seconds", type=float, default=60.0, help="how long a claim holds its rows"
    )

    commands.add_parser("outbox", help="print the notification outbox figures")

    retention = commands.add_parser(
        "retention", help="retention periods of personal data (docs/privacy.md)"
    )
    retention_commands = retention.add_subparsers(
        dest="retention_command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    run = retention_commands.add_parser(
        "run", help="delete what is past its firm's retention period, now"
    )
    run.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    return parser


def _firm_address(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--rp-id",
        default="",
        help="its WebAuthn relying-party id (empty: CARNET_RP_ID when it covers the host, "
        "else the host name)",
    )
    command.add_argument(
        "--origin", default="", help="its public origin (empty: CARNET_ORIGIN's scheme + host)"
    )


def _listen(command: argparse.ArgumentParser) -> None:
    command.add_argument("--host", default="127.0.0.1", help="address to listen on")
    command.add_argument("--port", type=int, default=8000, help="TCP port to listen on")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "verify-signature":
        # Offline on purpose: no settings, no database.
        from server.verify_evidence import main as verify_main

        extra = ["--require-timestamp"] if args.require_timestamp else []
        for root in args.tsa_root:
            extra += ["--tsa-root", root]
        return verify_main([args.evidence, *extra])
    settings = Settings.from_env()
    if args.command == "demo":
        settings = settings.model_copy(update={"demo_mode": True})
    try:
        if args.command == "serve":
            _serve(settings, args.host, args.port)
        elif args.command == "migrate":
            print(run_migrations(settings.resolved_database_url))
        elif args.command == "create-admin":
            print(_create_admin(settings, args))
        elif args.command == "create-firm":
            print(_create_firm(settings, args))
        elif args.command == "firm-host":
            print(_firm_host(settings, args))
        elif args.command == "firms":
            _firms(settings)
        elif args.command == "invite":
            if not args.reinvite and (not args.name or not args.role):
                parser.error("invite needs --name and at least one --role (or --reinvite)")
            print(_invite(settings, args))
        elif args.command == "signature-link":
            print(_signature_link(settings, args))
        elif args.command == "outbox":
            _outbox(settings)
        elif args.command == "retention":
            _retention_run(settings, dry_run=args.dry_run)
        elif args.command == "worker":
            _worker(settings, args)
        elif args.command == "demo":
            _demo(settings, args.host, args.port, serve=not args.no_serve)
        elif args.command == "audit":
            if args.organisation is not None:
                try:
                    args.organisation = str(uuid.UUID(args.organisation))
                except ValueError:
                    parser.error(f"--organisation {args.organisation!r} is not an organisation id")
            return _audit_verify(settings, args.organisation)
        elif args.command == "export":
            name, body = _with_storage(settings, lambda: cli_exports.run(args))
            where = cli_exports.write(name, body, args.output)
            if where != "stdout":
                print(where)
    except DomainError as error:
        print(f"carnet: {error.message}", file=sys.stderr)
        for field_error in error.errors:
            print(f"  {field_error.field}: {field_error.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
