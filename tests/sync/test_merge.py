"""The merge rule: decide_set_day, decide_submit and the phone's rebase (sync-protocol.md §3.6).

Unit tests pin the order of the checks; hypothesis properties check the rules of §3.6 and §4.1:
a locked month or a stale epoch always rejects, an equal stamp never wins, the larger one does,
what is stored is always a valid day, and the last-writer-wins part does not depend on the order
in which the writes arrive.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.calendar import CalendarRegion
from sync.errors import InvalidMonth
from sync.hlc import MAX_DRIFT_MS, Hlc, tick
from sync.merge import (
    DayValue,
    MonthFacts,
    PendingSetDay,
    PendingSubmit,
    SetDay,
    StoredDay,
    Verdict,
    decide_set_day,
    decide_submit,
    rebase,
)
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType, Day, DayLine, MissionTerms, check_day, validate_day

NOW = 1_795_000_000_000
DAY = date(2026, 11, 3)  # only ACME is active
MONTH = MonthKey.of(DAY)
MISSIONS = {
    "acme": MissionTerms(
        id="acme",
        start=date(2026, 1, 1),
        end=None,
        allowed_absences=frozenset({AbsenceType.CP, AbsenceType.RTT}),
        comments_required=False,
        region=CalendarRegion.METROPOLE,
    ),
    "beta": MissionTerms(
        id="beta",
        start=date(2026, 11, 10),
        end=date(2026, 11, 30),
        allowed_absences=frozenset({AbsenceType.CP}),
        comments_required=True,
        region=CalendarRegion.ALSACE_MOSELLE,
    ),
}
CLIENTS = ("phone", "laptop", "tablet")
EDITABLE = (MonthStatus.DRAFT, MonthStatus.SENT_BACK)
LOCKED = (
    MonthStatus.SUBMITTED,
    MonthStatus.IN_VALIDATION,
    MonthStatus.VALIDATED,
    MonthStatus.SIGNED,
)

ACME_FULL = (DayLine("mission:acme", 2),)
CP_FULL = (DayLine("absence:CP", 2),)
# Values that are valid on DAY, as (lines, comment).
GOOD_VALUES: tuple[tuple[tuple[DayLine, ...], str], ...] = (
    ((), ""),
    (ACME_FULL, ""),
    (ACME_FULL, "mise en production"),
    ((DayLine("mission:acme", 1),), ""),
    ((DayLine("mission:acme", 1), DayLine("absence:CP", 1)), ""),
    ((DayLine("absence:RTT", 1), DayLine("mission:acme", 1)), " demi-journée "),
    (CP_FULL, "congés"),
)


def stamp(wall_ms: int = NOW, counter: int = 0, node: str = "phone") -> Hlc:
    return Hlc(wall_ms=wall_ms, counter=counter, node=node)


def set_day(
    hlc: Hlc | str,
    *,
    lines: Sequence[DayLine] = ACME_FULL,
    comment: str = "",
    epoch: int = 0,
    base_v: int = 0,
    day: date = DAY,
    fill: bool = False,
) -> SetDay:
    text = hlc.encode() if isinstance(hlc, Hlc) else hlc
    return SetDay(
        date=day,
        epoch=epoch,
        lines=tuple(lines),
        comment=comment,
        hlc=text,
        base_v=base_v,
        fill=fill,
    )


def stored_day(
    hlc: Hlc,
    *,
    lines: Sequence[DayLine] = CP_FULL,
    comment: str = "",
    version: int = 5,
    by_client: str = "laptop",
    day: date = DAY,
) -> StoredDay:
    value = validate_day(
        month=MonthKey.of(day), date=day, lines=lines, comment=comment, missions=MISSIONS
    )
    return StoredDay(day=value, hlc=hlc, version=version, by_client=by_client)


def decide(
    incoming: SetDay,
    *,
    facts: MonthFacts | None = None,
    stored: StoredDay | None = None,
    client_id: str = "phone",
    now_ms: int = NOW,
) -> Verdict:
    return decide_set_day(
        incoming=incoming,
        facts=MonthFacts() if facts is None else facts,
        stored=stored,
        missions=MISSIONS,
        client_id=client_id,
        now_ms=now_ms,
    )


# -- strategies ---------------------------------------------------------------------------------

near_stamps = st.builds(
    Hlc,
    wall_ms=st.integers(min_value=NOW - 5, max_value=NOW + 5),
    counter=st.integers(min_value=0, max_value=3),
    node=st.sampled_from(CLIENTS),
)
any_stamps = st.builds(
    Hlc,
    wall_ms=st.integers(min_value=0, max_value=NOW + 10**10),
    counter=st.integers(min_value=0, max_value=9999),
    node=st.sampled_from(CLIENTS),
)
clock_texts = st.one_of(
    any_stamps.map(Hlc.encode), st.sampled_from(["", "garbage", "1000:0:phone", "0:0:0:0"])
)
ANY_KEY = st.sampled_from(
    ["mission:acme", "mission:beta", "mission:ghost", "absence:CP", "absence:RTT", "bogus"]
)
ANY_HALF_DAYS = st.one_of(st.integers(min_value=-1, max_value=3), st.booleans())
any_lines = st.lists(st.builds(DayLine, ANY_KEY, ANY_HALF_DAYS), max_size=4).map(tuple)
good_values = st.sampled_from(GOOD_VALUES)
comments = st.sampled_from(["", " ", "ok", "\u00a0", "\u2009", "x" * 501])
near_days = st.dates(min_value=date(2026, 10, 28), max_value=date(2026, 12, 3))
stored_days = st.builds(
    stored_day,
    near_stamps,
    lines=st.sampled_from([value[0] for value in GOOD_VALUES]),
    comment=st.sampled_from(["", "ok"]),
    version=st.integers(min_value=1, max_value=20),
    by_client=st.sampled_from(CLIENTS),
)


# -- decide_set_day: examples -------------------------------------------------------------------


def test_first_write_is_applied_in_canonical_form() -> None:
    """Make sure a valid first write is applied, sorted and stripped, with its stamp."""
    lines = (DayLine("mission:acme", 1), DayLine("absence:CP", 1))
    verdict = decide(set_day(stamp(), lines=lines, comment="\u00a0 ok "))
    assert verdict.status == "applied"
    assert verdict.day == Day(date=DAY, lines=(lines[1], lines[0]), comment="ok")
    assert verdict.hlc == stamp()
    assert not verdict.overwrote_unseen


def test_checks_run_lock_epoch_clock_value_in_that_order() -> None:
    """Make sure the reason is the first failing check: lock, epoch, clock, then value."""
    bad_value = (DayLine("mission:acme", 2), DayLine("absence:CP", 2))
    incoming = set_day("garbage", lines=bad_value, epoch=0)
    signed = MonthFacts(status=MonthStatus.SIGNED, epoch=1)
    assert decide(incoming, facts=signed).reason == "month_locked"
    assert decide(incoming, facts=MonthFacts(epoch=1)).reason == "epoch_changed"
    assert decide(incoming).reason == "invalid_clock"
    assert decide(set_day(stamp(), lines=bad_value)).reason == "invalid:day_over_one"


def test_invalid_value_names_its_first_violation() -> None:
    """Make sure the reason of an invalid day is "invalid:" and the first violation's code."""
    verdict = decide(set_day(stamp(), lines=(DayLine("mission:ghost", True),)))
    assert (verdict.status, verdict.reason) == ("rejected", "invalid:invalid_half_days")
    assert verdict.day is None
    assert verdict.hlc is None


def test_far_future_stamp_is_restamped_at_now_keeping_the_node() -> None:
    """Make sure a stamp from a phone set to 2030 is stored at the server's now."""
    verdict = decide(set_day(stamp(1_900_000_000_000, 4, "phone")))
    assert verdict.status == "applied"
    assert verdict.hlc == stamp(NOW, 0, "phone")
    kept = decide(set_day(stamp(NOW + MAX_DRIFT_MS, 0)))
    assert kept.hlc == stamp(NOW + MAX_DRIFT_MS, 0)


def test_a_day_before_1900_has_no_month() -> None:
    """Make sure a date outside MonthKey's years raises instead of returning a verdict."""
    with pytest.raises(InvalidMonth):
        decide(set_day(stamp(), day=date(1899, 12, 31)))


def test_replay_is_a_no_op() -> None:
    """Make sure applying the very same mutation twice supersedes the second time."""
    incoming = set_day(stamp(NOW - 1000, 2, "phone"), lines=CP_FULL, comment="congés")
    first = decide(incoming)
    assert first.status == "applied"
    assert first.day is not None and first.hlc is not None
    stored = StoredDay(day=first.day, hlc=first.hlc, version=8, by_client="phone")
    again = decide(incoming, stored=stored)
    assert again.status == "superseded"
    assert again.day is None


def test_later_edit_from_a_fast_clock_wins_within_one_batch() -> None:
    """Make sure the later of two edits from a phone whose clock is an hour ahead wins."""
    phone_now = NOW + 3_600_000
    first_stamp = tick(local=None, now_ms=phone_now, node="phone")
    second_stamp = tick(local=first_stamp, now_ms=phone_now + 10_000, node="phone")
    first = decide(set_day(first_stamp, lines=CP_FULL))
    assert first.day is not None and first.hlc is not None
    stored = StoredDay(day=first.day, hlc=first.hlc, version=1, by_client="phone")
    second = decide(set_day(second_stamp, lines=ACME_FULL), stored=stored)
    assert second.status == "applied"


# -- decide_set_day: properties ------------------------------------------------------------------


@given(
    status=st.sampled_from(LOCKED),
    facts_epoch=st.integers(0, 3),
    epoch=st.integers(0, 3),
    clock=clock_texts,
    lines=any_lines,
    comment=comments,
    stored=st.one_of(st.none(), stored_days),
)
def test_locked_month_always_rejects(
    status: MonthStatus,
    facts_epoch: int,
    epoch: int,
    clock: str,
    lines: tuple[DayLine, ...],
    comment: str,
    stored: StoredDay | None,
) -> None:
    """Make sure a locked month rejects month_locked whatever the stamp, epoch and value."""
    verdict = decide(
        set_day(clock, lines=lines, comment=comment, epoch=epoch),
        facts=MonthFacts(status=status, epoch=facts_epoch),
        stored=stored,
    )
    assert (verdict.status, verdict.reason) == ("rejected", "month_locked")
    assert verdict.day is None


@given(
    status=st.sampled_from(EDITABLE),
    epochs=st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(lambda pair: pair[0] != pair[1]),
    clock=clock_texts,
    lines=any_lines,
    stored=st.one_of(st.none(), stored_days),
)
def test_epoch_mismatch_always_rejects(
    status: MonthStatus,
    epochs: tuple[int, int],
    clock: str,
    lines: tuple[DayLine, ...],
    stored: StoredDay | None,
) -> None:
    """Make sure an edit made under another epoch than the month's is rejected epoch_changed."""
    facts_epoch, epoch = epochs
    verdict = decide(
        set_day(clock, lines=lines, epoch=epoch),
        facts=MonthFacts(status=status, epoch=facts_epoch),
        stored=stored,
    )
    assert (verdict.status, verdict.reason) == ("rejected", "epoch_changed")


@given(stored=stored_days, value=good_values, client=st.sampled_from(CLIENTS))
def test_equal_stamp_never_wins(
    stored: StoredDay, value: tuple[tuple[DayLine, ...], str], client: str
) -> None:
    """Make sure an incoming stamp equal to the stored one is superseded, whatever its value."""
    lines, comment = value
    verdict = decide(
        set_day(stored.hlc, lines=lines, comment=comment), stored=stored, client_id=client
    )
    assert verdict.status == "superseded"
    assert verdict.day is None and verdict.hlc is None


@given(
    stored=stored_days,
    incoming=near_stamps,
    value=good_values,
    client=st.sampled_from(CLIENTS),
    base_v=st.integers(0, 20),
)
def test_larger_stamp_wins_and_smaller_loses(
    stored: StoredDay,
    incoming: Hlc,
    value: tuple[tuple[DayLine, ...], str],
    client: str,
    base_v: int,
) -> None:
    """Make sure a valid write is applied exactly when its stamp is above the stored one."""
    lines, comment = value
    verdict = decide(
        set_day(incoming, lines=lines, comment=comment, base_v=base_v),
        stored=stored,
        client_id=client,
    )
    if incoming > stored.hlc:
        assert verdict.status == "applied"
        assert verdict.hlc == incoming
    else:
        assert verdict.status == "superseded"


@given(
    day=near_days,
    lines=st.one_of(any_lines, good_values.map(lambda value: value[0])),
    comment=comments,
    clock=st.one_of(near_stamps.map(Hlc.encode), clock_texts),
)
def test_an_applied_day_is_always_valid(
    day: date, lines: tuple[DayLine, ...], comment: str, clock: str
) -> None:
    """Make sure whatever decide_set_day applies passes check_day and is canonical."""
    verdict = decide(set_day(clock, lines=lines, comment=comment, day=day))
    if verdict.status != "applied":
        return
    assert verdict.day is not None
    month = MonthKey.of(day)
    stored = verdict.day
    arguments = {"month": month, "date": stored.date, "lines": stored.lines}
    assert check_day(**arguments, comment=stored.comment, missions=MISSIONS) == ()
    assert validate_day(**arguments, comment=stored.comment, missions=MISSIONS) == stored
    assert stored.date == day


@given(
    stored=stored_days,
    value=good_values,
    client=st.sampled_from(CLIENTS),
    base_v=st.integers(0, 20),
)
def test_overwrote_unseen_exactly_when_another_device_changed_it_since(
    stored: StoredDay, value: tuple[tuple[DayLine, ...], str], client: str, base_v: int
) -> None:
    """Make sure overwrote_unseen flags only the replacement of another device's unseen value."""
    lines, comment = value
    later = Hlc(stored.hlc.wall_ms + 1, 0, client)
    verdict = decide(
        set_day(later, lines=lines, comment=comment, base_v=base_v),
        stored=stored,
        client_id=client,
    )
    assert verdict.status == "applied"
    assert verdict.day is not None
    old = ({(line.line, line.half_days) for line in stored.day.lines}, stored.day.comment)
    new = ({(line.line, line.half_days) for line in verdict.day.lines}, verdict.day.comment)
    expected = stored.by_client != client and stored.version > base_v and old != new
    assert verdict.overwrote_unseen is expected


# -- decide_set_day: a fill (the app's prefill, sync-protocol.md §3.6.1) ------------------------


def test_a_fill_stands_down_before_a_leave_written_since_whatever_the_stamps() -> None:
    """Make sure a prefill based on version 3 does not replace the server's leave of version 7,
    though its stamp is later, while the same write without ``fill`` replaces it."""
    leave = stored_day(stamp(NOW - 60_000, 0, "server"), version=7, by_client="server")
    prefill = set_day(stamp(NOW, 0, "phone"), base_v=3, fill=True)
    verdict = decide(prefill, stored=leave)
    assert (verdict.status, verdict.day, verdict.hlc) == ("superseded", None, None)
    assert verdict.detail is not None and "prefill" in verdict.detail
    explicit = decide(set_day(stamp(NOW, 0, "phone"), base_v=3), stored=leave)
    assert (explicit.status, explicit.overwrote_unseen) == ("applied", True)


def test_a_fill_applies_where_the_day_is_as_the_device_saw_it() -> None:
    """Make sure a fill is an ordinary write over a day never written, a day the device had
    seen, a day only this device wrote, and a day emptied since (it is empty again)."""
    later = stamp(NOW, 0, "phone")
    seen = stored_day(stamp(NOW - 1000), version=3)
    own = stored_day(stamp(NOW - 1000, 0, "phone"), version=7, by_client="phone")
    emptied = stored_day(stamp(NOW - 1000), lines=(), version=7)
    for stored in (None, seen, own, emptied):
        verdict = decide(set_day(later, base_v=3, fill=True), stored=stored)
        assert verdict.status == "applied", stored
        assert verdict.day is not None and verdict.day.lines == ACME_FULL
    emptied_verdict = decide(set_day(later, base_v=3, fill=True), stored=emptied)
    assert emptied_verdict.overwrote_unseen  # the other device's (empty) value, as for any edit


def test_a_fill_is_checked_for_lock_epoch_clock_and_value_first() -> None:
    """Make sure a fill over a day filled since still says locked, reopened, bad clock or bad
    value first: those refusals come back to the device whatever is stored."""
    filled = stored_day(stamp(NOW - 1000), version=7)
    good = set_day(stamp(), base_v=3, fill=True)
    signed = MonthFacts(status=MonthStatus.SIGNED)
    assert decide(good, facts=signed, stored=filled).reason == "month_locked"
    assert decide(good, facts=MonthFacts(epoch=1), stored=filled).reason == "epoch_changed"
    bad_clock = set_day("garbage", base_v=3, fill=True)
    assert decide(bad_clock, stored=filled).reason == "invalid_clock"
    ghost = set_day(stamp(), lines=(DayLine("mission:ghost", 2),), base_v=3, fill=True)
    assert decide(ghost, stored=filled).reason == "invalid:unknown_mission"


@given(
    stored=stored_days,
    value=good_values,
    client=st.sampled_from(CLIENTS),
    base_v=st.integers(0, 20),
    clock=st.one_of(near_stamps.map(Hlc.encode), clock_texts),
)
def test_a_fill_never_replaces_lines_its_device_had_not_seen(
    stored: StoredDay,
    value: tuple[tuple[DayLine, ...], str],
    client: str,
    base_v: int,
    clock: str,
) -> None:
    """Make sure a fill is applied over lines only when its device wrote them or had seen them
    (their version is at most its base_v), and otherwise decides as the same explicit write."""
    lines, comment = value
    fill = set_day(clock, lines=lines, comment=comment, base_v=base_v, fill=True)
    verdict = decide(fill, stored=stored, client_id=client)
    unseen = stored.by_client != client and stored.version > base_v
    if verdict.status == "applied" and stored.day.lines:
        assert not unseen
    explicit = decide(
        set_day(clock, lines=lines, comment=comment, base_v=base_v),
        stored=stored,
        client_id=client,
    )
    if not (unseen and stored.day.lines) or explicit.status == "rejected":
        assert verdict == explicit
    else:
        assert verdict.status == "superseded"


@dataclass(frozen=True)
class Write:
    client: str
    day: date
    lines: tuple[DayLine, ...]
    comment: str
    hlc: Hlc


# Skews within the allowed drift: beyond it, clamping makes the result depend on arrival time
# (see test_later_edit_from_a_fast_clock_wins_within_one_batch).
SKEW_MS = {"phone": 0, "laptop": -90_000, "tablet": 4 * 60_000}
SERVER_NOW = NOW + 10 * 60_000


@st.composite
def write_sets(draw: st.DrawFn) -> list[Write]:
    """Valid writes from 3 devices, each stamped by its own clock (ties within a device)."""
    clocks: dict[str, Hlc | None] = dict.fromkeys(CLIENTS)
    times = dict.fromkeys(CLIENTS, NOW)
    writes = []
    for _ in range(draw(st.integers(1, 12))):
        client = draw(st.sampled_from(CLIENTS))
        times[client] += draw(st.integers(0, 2))  # 0: several edits in one millisecond
        clocks[client] = tick(
            local=clocks[client], now_ms=times[client] + SKEW_MS[client], node=client
        )
        lines, comment = draw(good_values)
        day = DAY + timedelta(days=draw(st.integers(0, 2)))
        writes.append(Write(client, day, lines, comment, clocks[client]))
    return writes


def apply_all(writes: Sequence[Write]) -> dict[date, tuple[Day, Hlc]]:
    state: dict[date, StoredDay] = {}
    version = 0
    for write in writes:
        verdict = decide(
            set_day(write.hlc, lines=write.lines, comment=write.comment, day=write.day),
            stored=state.get(write.day),
            client_id=write.client,
            now_ms=SERVER_NOW,
        )
        assert verdict.status in ("applied", "superseded")
        if verdict.status == "applied":
            assert verdict.day is not None and verdict.hlc is not None
            version += 1
            state[write.day] = StoredDay(verdict.day, verdict.hlc, version, write.client)
    return {day: (stored.day, stored.hlc) for day, stored in state.items()}


@given(data=st.data(), writes=write_sets())
def test_final_days_do_not_depend_on_arrival_order(
    data: st.DataObject, writes: list[Write]
) -> None:
    """Make sure any arrival order of the same valid writes leaves the same day per date."""
    order = data.draw(st.permutations(writes))
    in_order = apply_all(writes)
    assert apply_all(order) == in_order
    for day, (stored, hlc) in in_order.items():
        winner = max((write for write in writes if write.day == day), key=lambda w: w.hlc)
        assert hlc == winner.hlc
        assert stored.lines == tuple(sorted(winner.lines, key=lambda line: line.line))


# -- decide_submit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "epoch", "reviewed", "foreign", "outcome"),
    [
        (MonthFacts(), 0, 10, 10, ("applied", None)),
        (MonthFacts(), 0, 10, 3, ("applied", None)),
        (MonthFacts(), 0, 0, 0, ("applied", None)),
        (MonthFacts(MonthStatus.SENT_BACK, 1), 1, 10, 10, ("applied", None)),
        (MonthFacts(), 0, 10, 11, ("rejected", "changed_since_review")),
        (MonthFacts(MonthStatus.SENT_BACK, 2), 1, 10, 0, ("rejected", "epoch_changed")),
        (MonthFacts(epoch=1), 0, 0, 50, ("rejected", "epoch_changed")),
        (MonthFacts(MonthStatus.SIGNED, 2), 1, 0, 50, ("rejected", "not_draft")),
        *[(MonthFacts(status), 0, 10, 0, ("rejected", "not_draft")) for status in LOCKED],
    ],
)
def test_decide_submit(
    facts: MonthFacts, epoch: int, reviewed: int, foreign: int, outcome: tuple[str, str | None]
) -> None:
    """Make sure a submission needs an editable month, its epoch, and no unseen foreign edit."""
    verdict = decide_submit(
        facts=facts, epoch=epoch, reviewed_version=reviewed, latest_foreign_version=foreign
    )
    assert (verdict.status, verdict.reason) == outcome


# -- rebase -------------------------------------------------------------------------------------

CONFIRMED = {
    "2026-10-30": DayValue(lines=(("mission:acme", 2),), comment=""),
    "2026-11-03": DayValue(lines=(("absence:CP", 2),), comment="congés"),
}
FULL = (("mission:acme", 2),)


def test_rebase_without_pending_edits_shows_the_confirmed_days() -> None:
    """Make sure an empty queue shows the confirmed days and nothing pending."""
    view = rebase(days=CONFIRMED, months={}, pending=[])
    assert view.days == CONFIRMED
    assert view.days is not CONFIRMED
    assert (view.pending_dates, view.blocked_ids, view.submitting) == (set(), set(), set())


def test_rebase_lays_pending_edits_in_queue_order() -> None:
    """Make sure the last pending edit of a day is shown and its date marked pending."""
    view = rebase(
        days=CONFIRMED,
        months={"2026-11": MonthFacts()},
        pending=[
            PendingSetDay(1, "2026-11-03", 0, FULL, "a"),
            PendingSetDay(2, "2026-11-03", 0, (), "b"),
        ],
    )
    assert view.days["2026-11-03"] == DayValue(lines=(), comment="b")
    assert view.days["2026-10-30"] == CONFIRMED["2026-10-30"]
    assert view.pending_dates == {"2026-11-03"}
    assert view.blocked_ids == set()


def test_rebase_skips_locked_and_reopened_months_and_reports_them() -> None:
    """Make sure edits of locked or reopened months are not shown and their ids are blocked."""
    view = rebase(
        days=CONFIRMED,
        months={
            "2026-10": MonthFacts(MonthStatus.SIGNED),
            "2026-11": MonthFacts(MonthStatus.SENT_BACK, epoch=1),
        },
        pending=[
            PendingSetDay(1, "2026-10-30", 0, (), ""),
            PendingSetDay(2, "2026-11-03", 0, FULL, ""),
            PendingSetDay(3, "2026-11-04", 1, FULL, ""),
            PendingSubmit(4, "2026-10", 0),
            PendingSubmit(5, "2026-11", 0),
            PendingSubmit(6, "2026-11", 1),
        ],
    )
    assert view.days["2026-10-30"] == CONFIRMED["2026-10-30"]
    assert view.days["2026-11-03"] == CONFIRMED["2026-11-03"]
    assert view.days["2026-11-04"] == DayValue(lines=FULL, comment="")
    assert view.blocked_ids == {1, 2, 4, 5}
    assert view.pending_dates == {"2026-11-04"}
    assert view.submitting == {"2026-11"}


def test_rebase_treats_an_unknown_month_as_a_draft_of_epoch_zero() -> None:
    """Make sure a month the phone never heard of accepts epoch-0 edits only."""
    view = rebase(
        days={},
        months={},
        pending=[
            PendingSetDay(1, "2027-01-04", 0, FULL, ""),
            PendingSetDay(2, "2027-01-05", 1, FULL, ""),
        ],
    )
    assert set(view.days) == {"2027-01-04"}
    assert view.blocked_ids == {2}


pending_set_days = st.builds(
    PendingSetDay,
    id=st.integers(1, 10**6),
    date=st.sampled_from(["2026-10-30", "2026-11-03", "2026-11-04", "2026-12-01"]),
    epoch=st.integers(0, 1),
    lines=st.sampled_from([(), FULL, (("absence:CP", 1), ("mission:acme", 1))]),
    comment=st.sampled_from(["", "x"]),
)
pending_submits = st.builds(
    PendingSubmit,
    id=st.integers(1, 10**6),
    month=st.sampled_from(["2026-10", "2026-11", "2026-12"]),
    epoch=st.integers(0, 1),
)
month_facts = st.dictionaries(
    st.sampled_from(["2026-10", "2026-11", "2026-12"]),
    st.builds(MonthFacts, status=st.sampled_from(list(MonthStatus)), epoch=st.integers(0, 1)),
)


@given(
    months=month_facts,
    pending=st.lists(
        st.one_of(pending_set_days, pending_submits), max_size=10, unique_by=lambda m: m.id
    ),
)
def test_rebase_shows_exactly_the_edits_that_can_still_apply(
    months: dict[str, MonthFacts], pending: list[PendingSetDay | PendingSubmit]
) -> None:
    """Make sure rebase shows the last applicable edit per date and blocks every other one."""
    view = rebase(days=CONFIRMED, months=months, pending=pending)

    def can_apply(month: str, epoch: int) -> bool:
        facts = months.get(month, MonthFacts())
        return facts.status in EDITABLE and facts.epoch == epoch

    expected_days = dict(CONFIRMED)
    blocked = set()
    submitted: set[str] = set()  # a queued submission locks its month for what follows it
    for mutation in pending:
        month = mutation.month if isinstance(mutation, PendingSubmit) else mutation.date[:7]
        if month in submitted or not can_apply(month, mutation.epoch):
            blocked.add(mutation.id)
        elif isinstance(mutation, PendingSetDay):
            expected_days[mutation.date] = DayValue(mutation.lines, mutation.comment)
        else:
            submitted.add(month)
    assert view.days == expected_days
    assert view.blocked_ids == blocked
    assert view.pending_dates == {
        m.date for m in pending if isinstance(m, PendingSetDay) and m.id not in blocked
    }
    assert view.submitting == {
        m.month for m in pending if isinstance(m, PendingSubmit) and m.id not in blocked
    }
