"""Stored day rows read back as `DayRow`s, whatever form the driver hands them in."""

import datetime as dt
import json

from server.storage import sync_store
from server.storage.sync_store import DayRow


def _stored(lines: object, day: object = "2026-11-02") -> dict[str, object]:
    return {
        "id": "d1",
        "timesheet": "t1",
        "day": day,
        "lines": lines,
        "comment": "sur site",
        "hlc": "h",
        "version": "3",
        "by_client": "c",
    }


def test_a_stored_day_reads_back_field_by_field() -> None:
    """Make sure the positional build puts every column in its own field."""
    text = json.dumps(
        [{"line": "mission:m", "half_days": 2}, {"line": "absence:rtt", "half_days": 1}]
    )
    assert sync_store._day_row(_stored(text)) == DayRow(
        id="d1",
        timesheet_id="t1",
        date=dt.date(2026, 11, 2),
        lines=(("mission:m", 2), ("absence:rtt", 1)),
        comment="sur site",
        hlc="h",
        version=3,
        by_client="c",
    )


def test_lines_read_the_same_decoded_remembered_or_from_a_driver() -> None:
    """Make sure lines already decoded once, lines handed as JSON values and a date handed as
    a date read back the same as the first decode."""
    text = json.dumps([{"line": "mission:x", "half_days": 1}])
    first = sync_store._day_row(_stored(text))
    again = sync_store._day_row(_stored(text))
    decoded = sync_store._day_row(_stored(json.loads(text), day=dt.date(2026, 11, 2)))
    assert first == again == decoded
    assert first.lines == (("mission:x", 1),)


def test_remembered_lines_stay_bounded() -> None:
    """Make sure the decoded lines kept for reuse never exceed their bound."""
    for n in range(sync_store._LINES_READ_MAX + 10):
        sync_store._day_row(_stored(json.dumps([{"line": f"mission:{n}", "half_days": 2}])))
    assert len(sync_store._LINES_READ) <= sync_store._LINES_READ_MAX
