"""Demo data, and the demo login that only works in demo mode from this machine."""

from datetime import date

import pytest
from litestar import Litestar

from server.app import create_app
from server.services.demo import load_demo
from server.settings import Settings
from server.storage import repositories as repo
from tests.conftest import FakeClock
from tests.factories import Browser

TODAY = date(2026, 11, 16)


async def test_demo_loads_an_esn_with_months_in_various_states(app: Litestar) -> None:
    """Make sure the demo has a manager, three consultants, a signer and varied month states."""
    people = await load_demo(today=TODAY)
    roles = sorted(role for person in people for role in person.roles)
    assert roles.count("consultant") == 3
    assert {"admin", "manager", "client_signer"} <= set(roles)
    consultants = [p for p in await repo.list_all_people() if "consultant" in p.roles]
    timesheets = await repo.list_timesheets(p.id for p in consultants)
    statuses = {t.status for t in timesheets}
    assert {"draft", "signed", "validated", "in_validation", "sent_back"} <= statuses
    assert {t.month for t in timesheets} == {"2026-08", "2026-09", "2026-10", "2026-11"}
    modes = {m.billing_mode for c in consultants for m in await repo.missions_of(c.id)}
    assert {"regie", "forfait"} <= modes


async def test_the_demo_history_gives_every_figure_something_to_show(app: Litestar) -> None:
    """Make sure `carnet demo`'s year of history feeds every chart of the dashboard."""
    from server.domain.roles import Actor, Role
    from server.services import figures

    await load_demo(today=TODAY, history=True)
    people = {p.email.split("@")[0]: p for p in await repo.list_all_people()}
    consultants = [p for p in people.values() if "consultant" in p.roles]
    months = {t.month for t in await repo.list_timesheets(p.id for p in consultants)}
    assert len(months) == 12 and min(months) == "2025-12"
    admin = people["claire.admin"]
    actor = Actor(admin.id, admin.organisation_id, frozenset({Role.ADMIN}))
    clock = FakeClock()
    context = await figures.context(actor, figures.Query(), clock)
    tace = await figures.tace(context)
    assert sum(m.tace is not None for m in tace.months) >= 11
    intercontrat = await figures.intercontrat(context)
    assert intercontrat.total.half_days > 0 and intercontrat.total.cost_cents > 0
    assert [i.name for i in intercontrat.between_missions] == ["David Petit"]
    assert intercontrat.ending_soon
    close = await figures.month_close(context)
    assert close.total.submitted.count >= 30 and close.approvers and close.late_now
    ftr = await figures.first_time_right(context)
    assert ftr.total.first_time_right < ftr.total.validated  # some send-backs
    billing = await figures.billing(context)
    assert billing.months and any(m.to_payment.count for m in billing.months)
    assert billing.dso and any(d.dso_days for d in billing.dso)
    assert any(w.value_cents for w in billing.waiting)
    revenue = await figures.revenue(context)
    assert revenue.total.margin_cents and revenue.total.margin_cents > 0


async def test_demo_days_obey_the_day_rules(app: Litestar) -> None:
    """Make sure every demo day totals at most one day and the current month stops before today."""
    await load_demo(today=TODAY)
    consultants = [p for p in await repo.list_all_people() if "consultant" in p.roles]
    for consultant in consultants:
        for month in ("2026-08", "2026-11"):
            timesheet = await repo.get_timesheet(consultant_id=consultant.id, month=month)
            assert timesheet is not None and timesheet.days
            assert all(sum(h for _, h in day.lines) <= 2 for day in timesheet.days)
            if month == "2026-11":
                assert max(day.date for day in timesheet.days) < TODAY


async def _demo_login(
    settings: Settings,
    clock: FakeClock,
    *,
    client: str,
    host: str = "localhost",
    origin: str | None = "http://localhost",
    forwarded_for: str | None = None,
) -> int:
    """Try the demo login as a page would: from address `client`, with these headers."""
    app = create_app(settings, clock=clock)
    async with app.lifespan():
        await load_demo(today=TODAY)
        browser = Browser(app, client_host=client)
        headers = {"host": host}
        if origin is not None:
            headers["origin"] = origin
        if forwarded_for is not None:
            headers["x-forwarded-for"] = forwarded_for
        response = await browser.post(
            "/api/v1/auth/demo-login",
            json={"email": "alice.martin@octave.example"},
            headers=headers,
        )
        if response.status_code == 200:
            me = await browser.get("/api/v1/me")
            assert me.json()["email"] == "alice.martin@octave.example"
        await browser.close()
        return response.status_code


async def test_demo_login_works_in_demo_mode_from_localhost(
    settings: Settings, clock: FakeClock
) -> None:
    """Make sure the demo login opens a session in demo mode for a loopback client on a page
    of the configured origin."""
    demo = settings.model_copy(update={"demo_mode": True})
    assert await _demo_login(demo, clock, client="127.0.0.1") == 200


async def test_demo_login_is_refused_outside_demo_mode(
    settings: Settings, clock: FakeClock
) -> None:
    """Make sure a normal server does not offer the password-less demo login."""
    assert await _demo_login(settings, clock, client="127.0.0.1") == 404


async def test_demo_login_is_refused_from_another_machine(
    settings: Settings, clock: FakeClock
) -> None:
    """Make sure demo mode still refuses the demo login to a non-loopback client."""
    demo = settings.model_copy(update={"demo_mode": True})
    assert await _demo_login(demo, clock, client="192.0.2.10") == 404


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("evil.example", "http://evil.example"),  # a DNS-rebinding page, as a browser sends it
        ("evil.example", "http://localhost"),
        ("localhost", "http://evil.example"),
        ("localhost:8000", "http://localhost:8000"),  # another port than the configured one
        ("localhost", None),
    ],
)
async def test_demo_login_is_refused_unless_host_and_origin_are_the_configured_origin(
    settings: Settings, clock: FakeClock, host: str, origin: str | None
) -> None:
    """Make sure a loopback request whose Host or Origin is not the configured origin (a page
    of another site that resolved its name to 127.0.0.1) cannot log in to a running demo."""
    demo = settings.model_copy(update={"demo_mode": True})
    assert await _demo_login(demo, clock, client="127.0.0.1", host=host, origin=origin) == 404


@pytest.mark.parametrize(
    ("proxies", "client", "forwarded_for"),
    [("", "192.0.2.10", "127.0.0.1"), ("127.0.0.1", "127.0.0.1", "192.0.2.10")],
)
async def test_demo_login_ignores_a_forwarded_address(
    settings: Settings, clock: FakeClock, proxies: str, client: str, forwarded_for: str
) -> None:
    """Make sure a remote client cannot pass for loopback with X-Forwarded-For, and that a
    remote client forwarded by a trusted proxy is not loopback either."""
    demo = settings.model_copy(update={"demo_mode": True, "trusted_proxies": proxies})
    assert await _demo_login(demo, clock, client=client, forwarded_for=forwarded_for) == 404
