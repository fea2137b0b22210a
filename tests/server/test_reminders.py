"""The pure reminder rules: which notifications are due when, in local time, per region."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from server.domain.errors import InvalidInput
from server.domain.notification_texts import render, signer_link_email
from server.domain.reminders import (
    Kind,
    MonthSituation,
    ReminderPolicy,
    event_notification,
    event_send_time,
    local_send_time,
    month_close_days,
    month_reminders,
    months_to_check,
)
from sync.calendar import CalendarRegion
from sync.months import MonthKey, MonthStatus

METROPOLE = CalendarRegion.METROPOLE
ALSACE = CalendarRegion.ALSACE_MOSELLE
POLICY = ReminderPolicy()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def draft(month: str, region: CalendarRegion = METROPOLE, **kw: object) -> MonthSituation:
    return MonthSituation(
        consultant_id="c1",
        month=MonthKey.parse(month),
        region=region,
        status=kw.pop("status", MonthStatus.DRAFT),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def sent_days(situation: MonthSituation, policy: ReminderPolicy = POLICY) -> dict[str, datetime]:
    """Walk every hour of the month and the week after; note when each key first becomes due."""
    first_seen: dict[str, datetime] = {}
    now = datetime.combine(situation.month.first_day, datetime.min.time(), tzinfo=UTC)
    end = now + timedelta(days=40)
    while now < end:
        for due in month_reminders(situation=situation, policy=policy, now=now):
            first_seen.setdefault(due.key, now)
        now += timedelta(hours=1)
    return first_seen


def test_november_2026_reminds_on_thursday_26_and_monday_30_at_nine_paris() -> None:
    """Two working days remain after Thu 26 (Fri 27, Mon 30); 09:00 CET is 08:00 UTC."""
    seen = sent_days(draft("2026-11"))
    assert seen == {
        "c1:2026-11:month_not_submitted:before_close": utc(2026, 11, 26, 8),
        "c1:2026-11:month_not_submitted:last_day": utc(2026, 11, 30, 8),
    }


def test_a_month_ending_on_a_saturday_uses_friday_and_the_dst_change() -> None:
    """October 2026 ends on Saturday 31; winter time starts on Sunday 25 (09:00 = 08:00 UTC)."""
    assert sent_days(draft("2026-10")) == {
        "c1:2026-10:month_not_submitted:before_close": utc(2026, 10, 28, 8),
        "c1:2026-10:month_not_submitted:last_day": utc(2026, 10, 30, 8),
    }
    # Six working days before close is Thu 22, still summer time: 09:00 CEST = 07:00 UTC.
    days = month_close_days(month=MonthKey(2026, 10), region=METROPOLE, days_before_close=6)
    assert days["before_close"] == date(2026, 10, 22)
    assert local_send_time(day=date(2026, 10, 22), policy=POLICY) == utc(2026, 10, 22, 7)


def test_good_friday_in_alsace_moselle_moves_the_last_day_of_march_2029() -> None:
    """Good Friday 30 March 2029 is a holiday only in Alsace-Moselle; summer time from the 25th."""
    assert sent_days(draft("2029-03", ALSACE)) == {
        "c1:2029-03:month_not_submitted:before_close": utc(2029, 3, 27, 7),
        "c1:2029-03:month_not_submitted:last_day": utc(2029, 3, 29, 7),
    }
    assert sent_days(draft("2029-03", METROPOLE)) == {
        "c1:2029-03:month_not_submitted:before_close": utc(2029, 3, 28, 7),
        "c1:2029-03:month_not_submitted:last_day": utc(2029, 3, 30, 7),
    }


def test_saint_etienne_counts_in_alsace_moselle_only() -> None:
    """26 December is worked in Paris, not in Strasbourg: N = 4 lands a day earlier there."""
    policy = ReminderPolicy(days_before_close=4)
    assert month_close_days(month=MonthKey(2025, 12), region=METROPOLE, days_before_close=4)[
        "before_close"
    ] == date(2025, 12, 24)
    assert month_close_days(month=MonthKey(2025, 12), region=ALSACE, days_before_close=4)[
        "before_close"
    ] == date(2025, 12, 23)
    event = utc(2025, 12, 26, 10)
    assert event_send_time(at=event, policy=policy, region=METROPOLE) == event
    assert event_send_time(at=event, policy=policy, region=ALSACE) == utc(2025, 12, 29, 8)


def test_submitted_months_get_no_month_reminder_and_muted_kinds_nothing() -> None:
    now = utc(2026, 11, 30, 12)
    for status in (MonthStatus.IN_VALIDATION, MonthStatus.VALIDATED, MonthStatus.SIGNED):
        situation = draft("2026-11", status=status, waiting_on_id="m1", waiting_since=now)
        assert [d.kind for d in month_reminders(situation=situation, policy=POLICY, now=now)] in (
            [],
            [Kind.WAITING_ON_YOU],
        )
    sent_back = draft("2026-11", status=MonthStatus.SENT_BACK)
    assert len(month_reminders(situation=sent_back, policy=POLICY, now=now)) == 1
    muted = {"c1": frozenset({Kind.MONTH_NOT_SUBMITTED})}
    assert month_reminders(situation=sent_back, policy=POLICY, now=now, mutes=muted) == []


def test_n_zero_sends_only_the_last_day_and_a_late_scheduler_only_the_latest() -> None:
    assert sent_days(draft("2026-11"), ReminderPolicy(days_before_close=0)) == {
        "c1:2026-11:month_not_submitted:last_day": utc(2026, 11, 30, 8),
    }
    # A scheduler starting on the last day does not send the superseded before-close reminder.
    due = month_reminders(situation=draft("2026-11"), policy=POLICY, now=utc(2026, 12, 1, 6))
    assert [d.occurrence for d in due] == ["last_day"]
    assert due[0].expires_at == utc(2026, 11, 30, 23) + timedelta(days=7)
    assert month_reminders(situation=draft("2026-11"), policy=POLICY, now=utc(2026, 12, 9)) == []


def test_waiting_on_you_arrives_then_relances_every_m_working_days() -> None:
    """Arrival Fri 20 Nov 2026 15:00 Paris; M = 2: relances Tue 24 and Thu 26 (not Mon 30)."""
    since = utc(2026, 11, 20, 14)
    situation = draft(
        "2026-11",
        status=MonthStatus.IN_VALIDATION,
        epoch=1,
        step=0,
        waiting_on_id="m1",
        waiting_since=since,
    )
    seen: dict[str, datetime] = {}
    now = since
    while now < utc(2026, 11, 29):
        for due in month_reminders(situation=situation, policy=POLICY, now=now):
            seen.setdefault(due.key, now)
        now += timedelta(hours=1)
    assert seen == {
        "m1:2026-11:waiting_on_you:c1.1.0.arrival": since,
        "m1:2026-11:waiting_on_you:c1.1.0.1": utc(2026, 11, 24, 8),
        "m1:2026-11:waiting_on_you:c1.1.0.2": utc(2026, 11, 26, 8),
    }


def test_two_consultants_waiting_on_one_approver_get_a_notification_each() -> None:
    """Make sure an approver with two consultants' November waiting is told of each: the keys
    of their arrivals and relances differ (they once collided, dropping the second)."""
    since = utc(2026, 11, 20, 14)
    keys = []
    for consultant in ("c1", "c2"):
        situation = replace(
            draft("2026-11", status=MonthStatus.IN_VALIDATION, waiting_on_id="m1"),
            consultant_id=consultant,
            waiting_since=since,
        )
        due = month_reminders(situation=situation, policy=POLICY, now=utc(2026, 11, 27))
        keys.append({d.key for d in due})
    assert keys[0] and keys[1] and not keys[0] & keys[1]


def test_an_event_on_a_weekend_waits_for_monday_unless_configured() -> None:
    saturday = utc(2026, 11, 21, 10)
    due = event_notification(
        kind=Kind.SIGNED,
        person_id="c1",
        month=MonthKey(2026, 11),
        occurrence="0.1",
        at=saturday,
        policy=POLICY,
        region=METROPOLE,
    )
    assert due is not None and due.due_at == utc(2026, 11, 23, 8)
    assert due.key == "c1:2026-11:signed:0.1"
    always = ReminderPolicy(send_on_non_working_days=True)
    assert event_send_time(at=saturday, policy=always, region=METROPOLE) == saturday
    muted = event_notification(
        kind=Kind.SIGNED,
        person_id="c1",
        month=MonthKey(2026, 11),
        occurrence="0.1",
        at=saturday,
        policy=POLICY,
        region=METROPOLE,
        muted=[Kind.SIGNED],
    )
    assert muted is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days_before_close", -1),
        ("days_before_close", 16),
        ("relance_every", 0),
        ("send_hour", 24),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "../etc/passwd"),
    ],
)
def test_bad_settings_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as raised:
        ReminderPolicy(**{field: value})  # type: ignore[arg-type]
    assert [e.field for e in raised.value.errors] == [field]


def test_the_scheduler_checks_the_previous_month_in_the_first_days() -> None:
    # 1 Dec 2026 00:30 Paris is still 30 Nov in UTC: the local month decides.
    assert months_to_check(now=utc(2026, 11, 30, 23, 30), policy=POLICY) == [
        MonthKey(2026, 11),
        MonthKey(2026, 12),
    ]


def test_texts_in_french_and_english() -> None:
    month = MonthKey(2026, 11)
    fr = render(
        kind=Kind.SENT_BACK,
        language="fr",
        month=month,
        data={"by_name": "Marie", "comment": "Le 12 manque"},
    )
    assert fr.title == "CRA de novembre 2026 renvoyé"
    assert "« Le 12 manque »" in fr.body and fr.url == "/#month=2026-11"
    en = render(
        kind=Kind.MONTH_NOT_SUBMITTED,
        language="en",
        month=month,
        data={"occurrence": "before_close", "days_left": 2},
    )
    assert en.body.startswith("Your November 2026 activity report is not submitted: 2 working")
    waiting = render(
        kind=Kind.WAITING_ON_YOU,
        language="xx",
        month=month,
        data={"consultant_id": "c1", "consultant_name": "Paul", "relance": 2},
    )
    assert waiting.language == "fr" and waiting.url == "/#review=c1/2026-11"
    assert waiting.title.startswith("Relance")
    elided = render(
        kind=Kind.SIGNED, language="fr", month=MonthKey(2026, 4), data={"by_name": "Éva"}
    )
    assert elided.title == "CRA d'avril 2026 signé"
    link = signer_link_email(
        language="en", month=month, consultant_name="Paul", link="https://x/#sign=t"
    )
    assert "https://x/#sign=t" in link.body


def test_a_send_hour_missing_on_the_dst_day_moves_forward_and_a_doubled_one_takes_the_first() -> (
    None
):
    """Sunday 28 March 2027 has no 02:00 in Paris; Sunday 31 October 2027 has two."""
    night = ReminderPolicy(send_hour=2, send_on_non_working_days=True)
    spring = local_send_time(day=date(2027, 3, 28), policy=night)
    assert spring == utc(2027, 3, 28, 1)  # 03:00 summer time, an hour "late" as clocks jump
    autumn = local_send_time(day=date(2027, 10, 31), policy=night)
    assert autumn == utc(2027, 10, 31, 0)  # the first 02:00 (summer time)


def test_the_phone_offers_to_mute_exactly_the_kinds_the_server_sends() -> None:
    """Make sure the muting list of the PWA (pwa/js/online/push.js KINDS) names every kind of
    notification the server sends and no other: a kind added on one side only would be either
    impossible to mute or a box that mutes nothing."""
    source = (Path(__file__).resolve().parents[2] / "pwa/js/online/push.js").read_text()
    listed = re.search(r"export const KINDS = \[(.*?)\];", source, re.S)
    assert listed is not None
    assert re.findall(r'"([a-z_]+)"', listed.group(1)) == [kind.value for kind in Kind]
