"""The pure delivery rules: what a push service's answer means and when to try again."""

from datetime import UTC, datetime

import pytest

from server.domain.outbox import (
    BACKOFF_MAX_MS,
    MAX_ATTEMPTS,
    RETRY_AFTER_MAX_MS,
    OutboxEntry,
    Verdict,
    backoff_ms,
    push_verdict,
    retry_after_ms,
    retry_or_drop,
)

NOW_MS = int(datetime(2026, 11, 24, 9, tzinfo=UTC).timestamp() * 1000)


def entry(attempts: int, expires_in_ms: int = 24 * 3600_000) -> OutboxEntry:
    return OutboxEntry(
        id="1",
        key="k",
        person_id="p",
        address="",
        channel="auto",
        kind="signed",
        month="2026-11",
        data={},
        due_ms=NOW_MS,
        expires_ms=NOW_MS + expires_in_ms,
        attempts=attempts,
        lease_until_ms=NOW_MS + 60_000,
    )


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (None, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (404, Verdict.GONE),
        (410, Verdict.GONE),
        (413, Verdict.DROP),
        (400, Verdict.DROP),
        (403, Verdict.DROP),
    ],
)
def test_push_statuses(status: int | None, verdict: Verdict) -> None:
    assert push_verdict(status) is verdict


def test_retry_after_in_seconds_or_as_a_date_capped_at_a_day() -> None:
    assert retry_after_ms("120", now_ms=NOW_MS) == 120_000
    assert retry_after_ms("Tue, 24 Nov 2026 09:05:00 GMT", now_ms=NOW_MS) == 300_000
    assert retry_after_ms("Tue, 24 Nov 2026 08:00:00 GMT", now_ms=NOW_MS) == 0
    assert retry_after_ms("999999999", now_ms=NOW_MS) == RETRY_AFTER_MAX_MS
    assert retry_after_ms("soon", now_ms=NOW_MS) is None
    assert retry_after_ms(None, now_ms=NOW_MS) is None


def test_backoff_doubles_up_to_six_hours() -> None:
    assert [backoff_ms(n) for n in (1, 2, 3)] == [30_000, 60_000, 120_000]
    assert backoff_ms(30) == BACKOFF_MAX_MS


def test_give_up_after_the_last_attempt_or_past_expiry() -> None:
    retry = retry_or_drop(entry=entry(1), reason="push 500", now_ms=NOW_MS)
    assert (retry.state, retry.retry_at_ms) == ("pending", NOW_MS + 30_000)
    assert retry_or_drop(entry=entry(MAX_ATTEMPTS), reason="x", now_ms=NOW_MS).state == "dropped"
    late = retry_or_drop(entry=entry(1, expires_in_ms=10_000), reason="push 500", now_ms=NOW_MS)
    assert (late.state, late.reason) == ("dropped", "gave up: push 500")
