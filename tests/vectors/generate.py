"""Generate ``tests/vectors/sync_core.json``: what the phone and the server must compute alike.

The file pins the pure core (``sync/``) for its JavaScript port (``pwa/js/core/``): HLC
arithmetic and order, the holiday calendar, day validation, the server's merge rule and the
phone's ``rebase`` (sync-protocol.md §4.3). Hand-written edge cases come first, then cases drawn
from a ``random.Random`` with a fixed seed, so the output is byte-for-byte reproducible.

Every expected value is computed by the Python core through the ``run_*`` functions below, which
take a case in its JSON form. ``tests/sync/test_vectors.py`` calls the same functions on the
committed file, and ``tests/js/vectors.test.mjs`` does the same in JavaScript.

Usage::

    python -m tests.vectors.generate          # rewrite the file
    python -m tests.vectors.generate --check  # exit 1 if the file differs from a fresh generation

Shape of the cases (snake_case, as on the wire; dates ``"YYYY-MM-DD"``, months ``"YYYY-MM"``,
stamps encoded; a case whose call raises a ``RuleError`` expects ``{"error": <code>}``):

* ``hlc_parse``: ``text`` → ``{wall_ms, counter, node, encoded}``;
* ``hlc_tick``: ``local`` (or null), ``now``, ``node`` → encoded stamp;
* ``hlc_recv``: ``local`` (or null), ``remote``, ``now``, ``node`` → encoded stamp;
* ``hlc_cmp``: ``a``, ``b`` → -1, 0 or 1;
* ``hlc_clamp``: ``stamp``, ``now``, optional ``above`` and ``max_drift_ms`` → encoded stamp;
* ``calendar``: ``{year, region, easter, holidays}`` or ``{month, region, working_days}``;
* ``check_day``: ``month``, ``date``, ``lines``, ``comment``, ``missions`` → ``expect`` (the
  ``[field, code]`` of every violation, in order) and ``canonical`` (``validate_day``'s lines and
  comment, or null);
* ``decide_set_day``: ``incoming`` (its ``fill`` only when true, as the app sends it),
  ``facts``, ``stored``, ``missions``, ``client_id``, ``now`` → ``{status, reason, day, hlc,
  overwrote_unseen}`` (the English ``detail`` is not pinned);
* ``decide_submit``: ``facts``, ``epoch``, ``reviewed_version``, ``latest_foreign_version`` →
  ``{status, reason}``;
* ``rebase``: ``days``, ``months``, ``pending`` → ``{days, pending_dates, blocked_ids,
  submitting}`` with the sets as sorted lists.

Hand-written cases carry a ``note`` saying what they pin. Never put a float with an integer
value (``1.0``) in a case: JSON cannot tell it from ``1`` in JavaScript, while Python keeps it a
float, which ``check_day`` rejects.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sync.calendar import CalendarRegion, easter_sunday, public_holidays, working_days
from sync.errors import RuleError
from sync.hlc import MAX_COUNTER, MAX_DRIFT_MS, MAX_WALL_MS, Hlc, clamp, compare, recv, tick
from sync.merge import (
    DayValue,
    MonthFacts,
    PendingSetDay,
    PendingSubmit,
    SetDay,
    StoredDay,
    decide_set_day,
    decide_submit,
    rebase,
)
from sync.months import MonthKey, MonthStatus
from sync.rules import AbsenceType, Day, DayLine, MissionTerms, check_day, validate_day

VERSION = 1
SEED = 20261116
VECTORS_PATH = Path(__file__).resolve().parent / "sync_core.json"
FAMILIES = (
    "hlc_parse",
    "hlc_tick",
    "hlc_recv",
    "hlc_cmp",
    "hlc_clamp",
    "calendar",
    "check_day",
    "decide_set_day",
    "decide_submit",
    "rebase",
)

Case = dict[str, Any]
Json = Any

# -- from JSON to the Python core --------------------------------------------------------------


def _error(error: RuleError) -> Json:
    return {"error": error.code}


def _stamp(text: str | None) -> Hlc | None:
    return None if text is None else Hlc.parse(text)


def _lines(raw: list[Json]) -> tuple[DayLine, ...]:
    return tuple(DayLine(line=item["line"], half_days=item["half_days"]) for item in raw)


def _missions(raw: Mapping[str, Json]) -> dict[str, MissionTerms]:
    return {
        key: MissionTerms(
            id=value["id"],
            start=dt.date.fromisoformat(value["start"]),
            end=None if value["end"] is None else dt.date.fromisoformat(value["end"]),
            allowed_absences=frozenset(AbsenceType(kind) for kind in value["allowed_absences"]),
            comments_required=value["comments_required"],
            region=CalendarRegion(value["region"]),
        )
        for key, value in raw.items()
    }


def _facts(raw: Json) -> MonthFacts:
    return MonthFacts(status=MonthStatus(raw["status"]), epoch=raw["epoch"])


def _day_json(day: Day) -> Json:
    return {
        "date": day.date.isoformat(),
        "lines": [{"line": line.line, "half_days": line.half_days} for line in day.lines],
        "comment": day.comment,
    }


def run_hlc_parse(case: Case) -> Json:
    try:
        stamp = Hlc.parse(case["text"])
    except RuleError as error:
        return _error(error)
    return {
        "wall_ms": stamp.wall_ms,
        "counter": stamp.counter,
        "node": stamp.node,
        "encoded": stamp.encode(),
    }


def run_hlc_tick(case: Case) -> Json:
    try:
        return tick(local=_stamp(case["local"]), now_ms=case["now"], node=case["node"]).encode()
    except RuleError as error:
        return _error(error)


def run_hlc_recv(case: Case) -> Json:
    try:
        remote = Hlc.parse(case["remote"])
        local = _stamp(case["local"])
        return recv(local=local, remote=remote, now_ms=case["now"], node=case["node"]).encode()
    except RuleError as error:
        return _error(error)


def run_hlc_cmp(case: Case) -> Json:
    try:
        return compare(case["a"], case["b"])
    except RuleError as error:
        return _error(error)


def run_hlc_clamp(case: Case) -> Json:
    stamp = Hlc.parse(case["stamp"])
    above = Hlc.parse(case["above"]) if case.get("above") else None
    if "max_drift_ms" in case:
        return clamp(
            stamp=stamp, now_ms=case["now"], above=above, max_drift_ms=case["max_drift_ms"]
        ).encode()
    return clamp(stamp=stamp, now_ms=case["now"], above=above).encode()


def run_calendar(case: Case) -> Json:
    region = CalendarRegion(case["region"])
    if "year" in case:
        holidays = public_holidays(year=case["year"], region=region)
        return {
            "easter": easter_sunday(case["year"]).isoformat(),
            "holidays": {day.isoformat(): name for day, name in holidays.items()},
        }
    month = MonthKey.parse(case["month"])
    return {"working_days": len(working_days(month=month, region=region))}


def calendar_outputs(case: Case) -> Json:
    """The expected part of a calendar case (its shape has no ``expect`` key)."""
    keys = ("easter", "holidays") if "year" in case else ("working_days",)
    return {key: case[key] for key in keys}


def run_check_day(case: Case) -> Json:
    arguments = {
        "month": MonthKey.parse(case["month"]),
        "date": dt.date.fromisoformat(case["date"]),
        "lines": _lines(case["lines"]),
        "comment": case["comment"],
        "missions": _missions(case["missions"]),
    }
    violations = check_day(**arguments)
    canonical = None
    if not violations:
        day = validate_day(**arguments)
        canonical = {k: v for k, v in _day_json(day).items() if k != "date"}
    return {
        "expect": [[violation.field, violation.code] for violation in violations],
        "canonical": canonical,
    }


def check_day_outputs(case: Case) -> Json:
    """The expected part of a check_day case."""
    return {"expect": case["expect"], "canonical": case["canonical"]}


def run_decide_set_day(case: Case) -> Json:
    incoming = case["incoming"]
    stored = case["stored"]
    try:
        verdict = decide_set_day(
            incoming=SetDay(
                date=dt.date.fromisoformat(incoming["date"]),
                epoch=incoming["epoch"],
                lines=_lines(incoming["lines"]),
                comment=incoming["comment"],
                hlc=incoming["hlc"],
                base_v=incoming["base_v"],
                fill=incoming.get("fill", False),
            ),
            facts=_facts(case["facts"]),
            stored=None
            if stored is None
            else StoredDay(
                day=Day(
                    date=dt.date.fromisoformat(stored["day"]["date"]),
                    lines=_lines(stored["day"]["lines"]),
                    comment=stored["day"]["comment"],
                ),
                hlc=Hlc.parse(stored["hlc"]),
                version=stored["version"],
                by_client=stored["by_client"],
            ),
            missions=_missions(case["missions"]),
            client_id=case["client_id"],
            now_ms=case["now"],
        )
    except RuleError as error:
        return _error(error)
    return {
        "status": verdict.status,
        "reason": verdict.reason,
        "day": None if verdict.day is None else _day_json(verdict.day),
        "hlc": None if verdict.hlc is None else verdict.hlc.encode(),
        "overwrote_unseen": verdict.overwrote_unseen,
    }


def run_decide_submit(case: Case) -> Json:
    verdict = decide_submit(
        facts=_facts(case["facts"]),
        epoch=case["epoch"],
        reviewed_version=case["reviewed_version"],
        latest_foreign_version=case["latest_foreign_version"],
    )
    return {"status": verdict.status, "reason": verdict.reason}


def _value(raw: Json) -> DayValue:
    return DayValue(
        lines=tuple((line, half) for line, half in raw["lines"]), comment=raw["comment"]
    )


def run_rebase(case: Case) -> Json:
    pending: list[PendingSetDay | PendingSubmit] = []
    for item in case["pending"]:
        if item["name"] == "submit_month":
            pending.append(PendingSubmit(id=item["id"], month=item["month"], epoch=item["epoch"]))
        else:
            pending.append(
                PendingSetDay(
                    id=item["id"],
                    date=item["date"],
                    epoch=item["epoch"],
                    lines=tuple((line, half) for line, half in item["lines"]),
                    comment=item["comment"],
                )
            )
    view = rebase(
        days={date: _value(raw) for date, raw in case["days"].items()},
        months={month: _facts(raw) for month, raw in case["months"].items()},
        pending=pending,
    )
    return {
        "days": {
            date: {"lines": [list(line) for line in value.lines], "comment": value.comment}
            for date, value in sorted(view.days.items())
        },
        "pending_dates": sorted(view.pending_dates),
        "blocked_ids": sorted(view.blocked_ids),
        "submitting": sorted(view.submitting),
    }


def _expect_of(case: Case) -> Json:
    return case["expect"]


RUNNERS: dict[str, tuple[Callable[[Case], Json], Callable[[Case], Json]]] = {
    "hlc_parse": (run_hlc_parse, _expect_of),
    "hlc_tick": (run_hlc_tick, _expect_of),
    "hlc_recv": (run_hlc_recv, _expect_of),
    "hlc_cmp": (run_hlc_cmp, _expect_of),
    "hlc_clamp": (run_hlc_clamp, _expect_of),
    "calendar": (run_calendar, calendar_outputs),
    "check_day": (run_check_day, check_day_outputs),
    "decide_set_day": (run_decide_set_day, _expect_of),
    "decide_submit": (run_decide_submit, _expect_of),
    "rebase": (run_rebase, _expect_of),
}
"""Per family: (compute the outputs from the inputs, read the expected outputs of a case)."""


def _complete(family: str, case: Case) -> Case:
    # Round-trip the inputs through JSON first, so the expectation is computed on exactly what
    # both test runners will read back.
    inputs = json.loads(json.dumps(case, ensure_ascii=False))
    outputs = RUNNERS[family][0](inputs)
    if family in ("calendar", "check_day"):
        return {**inputs, **outputs}
    return {**inputs, "expect": outputs}


# -- building blocks ---------------------------------------------------------------------------


def enc(wall_ms: int, counter: int, node: str) -> str:
    return Hlc(wall_ms=wall_ms, counter=counter, node=node).encode()


NOW = 1_795_000_000_000  # 2026-11-16, around the product's first months
NODES = ("phone", "laptop", "tablet", "server", "a", "a-", "aB", "Z", "_", "0", "x" * 40)


def mission(
    mission_id: str,
    start: str,
    end: str | None,
    absences: tuple[str, ...],
    *,
    comments: bool = False,
    region: str = "metropole",
) -> Json:
    return {
        "id": mission_id,
        "start": start,
        "end": end,
        "allowed_absences": sorted(absences),
        "comments_required": comments,
        "region": region,
    }


ACME = mission("acme", "2026-01-01", None, ("CP", "RTT", "maladie"))
BETA = mission("beta", "2026-11-10", "2026-11-30", ("CP",), comments=True, region="alsace_moselle")
MISSIONS = {"acme": ACME, "beta": BETA}
GAMMA = mission("gamma", "2026-10-15", "2026-11-05", ("formation", "sans_solde"))
ODD_IDS = {
    key: mission(key, "2026-01-01", None, ("CP",))
    for key in ("a", "B", "_", "~x", "1", "Z9", "__proto__")
}
MISSION_SETS = (MISSIONS, {**MISSIONS, "gamma": GAMMA}, {"gamma": GAMMA}, {}, ODD_IDS)


def line(key: str, half_days: Json) -> Json:
    return {"line": key, "half_days": half_days}


# -- hand-written cases -------------------------------------------------------------------------


def hand_hlc_parse() -> list[Case]:
    valid = [
        ("0000000000000:0000:a", "the smallest stamp"),
        ("9999999999999:9999:z", "the largest stamp"),
        ("1741080000123:0002:3f0c", "the protocol's example"),
        (enc(NOW, 7, "x" * 40), "a 40-character node"),
        ("0000000001000:0000:A-_z9", "every node character class"),
    ]
    invalid = [
        ("", "empty"),
        ("123:0001:a", "short wall"),
        ("00000000000123:0001:a", "14-digit wall"),
        ("0000000000123:001:a", "3-digit counter"),
        ("0000000000123:00001:a", "5-digit counter"),
        ("0000000000123:0001:", "empty node"),
        ("0000000000123:0001", "no node"),
        ("0000000000123", "wall only"),
        ("0000000000123:0001:a:b", "colon in the node: Python's split keeps 'a:b' whole"),
        ("0000000000123:0001:a b", "space in the node"),
        ("0000000000123:0001:é", "non-ASCII node"),
        ("0000000000123:0001:a\n", "trailing newline in the node"),
        ("0000000000123:0001:" + "x" * 41, "41-character node"),
        ("+000000000123:0001:a", "sign in the wall"),
        ("-000000000123:0001:a", "negative wall"),
        (" 000000000123:0001:a", "space in the wall"),
        ("000000000012.:0001:a", "dot in the wall"),
        ("0000000000123:+001:a", "sign in the counter"),
        ("٠٠٠٠٠٠٠٠٠٠١٢٣:0001:a", "Arabic-Indic digits (str.isdigit alone would accept them)"),
        ("0000000000123:０００１:a", "full-width digits in the counter"),
        ("0000000000123:0001:a😀", "astral character in the node"),
        ("0000000000123:0001:a\u0000", "NUL in the node"),
        ("000000000012e:0001:a", "letter in the wall"),
        (None, "null, not a string"),
        (1741080000123, "a number, not a string"),
    ]
    return [{"note": note, "text": text} for text, note in valid + invalid]


def hand_hlc_tick() -> list[Case]:
    cases = [
        (None, 1000, "a", "no local stamp: now, counter 0"),
        (enc(1000, 0, "a"), 999, "a", "clock went back: same wall, counter + 1"),
        (enc(1000, 0, "a"), 1000, "a", "same millisecond: counter + 1"),
        (enc(1000, 5, "a"), 1001, "a", "clock moved on: counter back to 0"),
        (enc(1000, MAX_COUNTER, "a"), 1000, "a", "counter overflow borrows the next ms"),
        (enc(1000, MAX_COUNTER, "a"), 500, "a", "counter overflow with a clock behind"),
        (enc(1000, MAX_COUNTER - 1, "a"), 1000, "a", "counter reaches 9999"),
        (enc(1000, 3, "b"), 1000, "a", "the node of the result is the ticking node"),
        (enc(MAX_WALL_MS, MAX_COUNTER, "a"), 0, "a", "overflow past the largest wall"),
        (None, MAX_WALL_MS, "a", "the largest wall"),
        (None, MAX_WALL_MS + 1, "a", "a wall past 13 digits"),
        (None, -1, "a", "a negative clock"),
        (None, 1000, "", "an empty node"),
        (None, 1000, "a:b", "a colon in the node"),
        (None, 1000, "x" * 41, "a 41-character node"),
    ]
    return [
        {"note": note, "local": local, "now": now, "node": node}
        for local, now, node, note in cases
    ]


def hand_hlc_recv() -> list[Case]:
    cases = [
        (None, enc(1000, 4, "b"), 900, "a", "no local, remote ahead: remote counter + 1"),
        (None, enc(1000, 4, "b"), 1000, "a", "no local, remote wall = now"),
        (None, enc(1000, 4, "b"), 2000, "a", "no local, now ahead: counter 0"),
        (enc(1000, 2, "a"), enc(1000, 7, "b"), 900, "a", "equal walls: max counter + 1"),
        (enc(1000, 9, "a"), enc(1000, 7, "b"), 900, "a", "equal walls, local counter larger"),
        (enc(1000, 7, "a"), enc(1000, 7, "b"), 1000, "a", "all three walls equal"),
        (enc(2000, 2, "a"), enc(1000, 7, "b"), 900, "a", "local ahead: local counter + 1"),
        (enc(1000, 2, "a"), enc(2000, 7, "b"), 900, "a", "remote ahead: remote counter + 1"),
        (enc(1000, 2, "a"), enc(1500, 7, "b"), 3000, "a", "now ahead of both: counter 0"),
        (enc(1000, MAX_COUNTER, "a"), enc(1000, 3, "b"), 0, "a", "local counter overflows"),
        (enc(1000, 3, "a"), enc(1000, MAX_COUNTER, "b"), 0, "a", "remote counter overflows"),
        (None, enc(1000, MAX_COUNTER, "b"), 0, "a", "no local, remote counter overflows"),
        (enc(1000, 3, "a"), enc(1000, 3, "a"), 0, "a", "receiving its own stamp"),
        (enc(1000, 3, "a"), enc(1000, 3, "b"), 0, "", "an empty node"),
        (enc(1000, 3, "a"), "1000:0003:b", 0, "a", "an invalid remote stamp"),
    ]
    return [
        {"note": note, "local": local, "remote": remote, "now": now, "node": node}
        for local, remote, now, node, note in cases
    ]


def hand_hlc_cmp() -> list[Case]:
    same = enc(NOW, 3, "phone")
    cases = [
        (same, same, "equal stamps"),
        (enc(NOW, 3, "a"), enc(NOW, 3, "b"), "same wall and counter: node order"),
        (enc(NOW, 3, "a"), enc(NOW, 3, "a-"), "a node that is a prefix of the other sorts first"),
        (enc(NOW, 3, "Z"), enc(NOW, 3, "a"), "upper case before lower case (code points)"),
        (enc(NOW, 3, "_"), enc(NOW, 3, "a"), "underscore before lower case"),
        (enc(NOW, 3, "0"), enc(NOW, 3, "-"), "hyphen before digits"),
        (enc(NOW, 3, "z"), enc(NOW, 4, "a"), "counter before node"),
        (enc(NOW, 9999, "z"), enc(NOW + 1, 0, "a"), "wall before counter"),
        (enc(999, 0, "a"), enc(1000, 0, "a"), "fixed width: 999 < 1000 as strings too"),
        (enc(NOW + 1, 0, "a"), enc(NOW, 9999, "zz"), "later wall wins over larger counter"),
        (same, "not-a-clock", "an invalid right-hand side"),
        ("1000:1:a", same, "an invalid left-hand side"),
    ]
    return [{"note": note, "a": a, "b": b} for a, b, note in cases]


def hand_hlc_clamp() -> list[Case]:
    cases: list[Case] = [
        {"stamp": enc(NOW, 3, "p"), "now": NOW, "note": "a stamp at now is kept"},
        {"stamp": enc(NOW - 86_400_000, 3, "p"), "now": NOW, "note": "a past stamp is kept"},
        {
            "stamp": enc(NOW + MAX_DRIFT_MS, 3, "p"),
            "now": NOW,
            "note": "exactly 5 minutes ahead is kept",
        },
        {
            "stamp": enc(NOW + MAX_DRIFT_MS + 1, 3, "p"),
            "now": NOW,
            "note": "5 minutes and 1 ms ahead is clamped to now, counter and node kept",
        },
        {
            "stamp": enc(1_900_000_000_000, 42, "phone-2030"),
            "now": NOW,
            "note": "a phone set to 2030 is clamped",
        },
        {
            "stamp": enc(MAX_WALL_MS, MAX_COUNTER, "z"),
            "now": 0,
            "note": "the largest stamp at time zero",
        },
        {
            "stamp": enc(NOW + 3_600_000, 0, "fast"),
            "now": NOW,
            "above": enc(NOW, 0, "fast"),
            "note": "a clamped stamp goes strictly above the stored one (same batch, same now)",
        },
        {
            "stamp": enc(NOW + 3_600_000, 7, "fast"),
            "now": NOW,
            "above": enc(NOW + 60_000, MAX_COUNTER, "zz"),
            "note": "above a stored stamp from a legit clock slightly ahead: next ms, counter 0",
        },
        {
            "stamp": enc(NOW + 3_600_000, 7, "fast"),
            "now": NOW,
            "above": enc(NOW - 1, 5, "zz"),
            "note": "a stored stamp in the past does not move the re-stamp",
        },
        {
            "stamp": enc(NOW, 0, "p"),
            "now": NOW,
            "above": enc(NOW + 1, 0, "zz"),
            "note": "a stamp within the drift is kept even below the stored one",
        },
        {"stamp": enc(1001, 0, "p"), "now": 1000, "max_drift_ms": 0, "note": "no drift allowed"},
        {"stamp": enc(1000, 0, "p"), "now": 1000, "max_drift_ms": 0, "note": "no drift, equal"},
    ]
    return cases


CALENDAR_YEARS = (
    (1900, "not a leap year (century)"),
    (1913, "Ascension on 1 May"),
    (2000, "leap year (century divisible by 400)"),
    (2008, "Ascension on 1 May"),
    (2011, "latest Easter of the century (24 April)"),
    (2024, "leap year"),
    (2026, "the product's first year"),
    (2038, "Easter on 25 April, the latest possible"),
    (2059, "Ascension on 8 May"),
    (2100, "not a leap year (century)"),
    (2285, "Easter on 22 March, the earliest possible"),
    (2400, "leap year (century divisible by 400)"),
    (2999, "the last year of a MonthKey"),
)
CALENDAR_MONTHS = (
    ("1900-02", "February of a non-leap century"),
    ("2000-02", "February of a leap century"),
    ("2024-02", "February of a leap year"),
    ("2100-02", "February of a non-leap century"),
    ("2008-05", "Ascension and Fête du Travail on one day"),
    ("2059-05", "Ascension and Fête de la Victoire on one day"),
    ("2026-04", "Good Friday (3 April) counts in Alsace-Moselle only"),
    ("2026-12", "26 December counts in Alsace-Moselle only"),
    ("2026-11", "two holidays in the week"),
    ("2027-03", "Good Friday on 26 March"),
    ("1900-01", "the first month"),
    ("2999-12", "the last month"),
)


def hand_calendar() -> list[Case]:
    cases: list[Case] = []
    for year, note in CALENDAR_YEARS:
        for region in ("metropole", "alsace_moselle"):
            cases.append({"note": note, "year": year, "region": region})
    for month, note in CALENDAR_MONTHS:
        for region in ("metropole", "alsace_moselle"):
            cases.append({"note": note, "month": month, "region": region})
    for region, year, month in OVERSEAS:
        note = f"{region}: its abolition of slavery day (décret n° 83-1003) and local days"
        cases.append({"note": note, "year": year, "region": region})
        cases.append(
            {"note": f"{region}: a month with its abolition day", "month": month, "region": region}
        )
    return cases


# The overseas departments (sync/calendar.py): each one's year, then the month of its day.
OVERSEAS = (
    ("guadeloupe", 2026, "2026-05"),
    ("martinique", 2026, "2026-05"),
    ("guyane", 2027, "2027-06"),
    ("la_reunion", 2026, "2026-12"),
    ("mayotte", 2026, "2026-04"),
    ("guadeloupe", 2008, "2008-03"),
)


def day_case(
    note: str,
    lines: list[Json],
    *,
    date: str = "2026-11-03",
    comment: str = "",
    month: str = "2026-11",
    missions: Json = MISSIONS,
) -> Case:
    return {
        "note": note,
        "month": month,
        "date": date,
        "lines": lines,
        "comment": comment,
        "missions": missions,
    }


def hand_check_day() -> list[Case]:
    acme, beta, cp, rtt = "mission:acme", "mission:beta", "absence:CP", "absence:RTT"
    both = "2026-11-12"  # ACME and BETA active
    cases = [
        day_case("a full day on a mission", [line(acme, 2)]),
        day_case("a cleared day (no lines)", []),
        day_case("half mission, half paid leave", [line(acme, 1), line(cp, 1)]),
        day_case("lines come back sorted", [line(rtt, 1), line(acme, 1)]),
        day_case("a full day plus a half day", [line(acme, 2), line(cp, 1)]),
        day_case("three half days", [line(acme, 1), line(cp, 1), line(rtt, 1)], date=both),
        day_case("zero half days", [line(acme, 0)]),
        day_case("three half days on one line", [line(acme, 3)]),
        day_case("negative half days", [line(acme, -1)]),
        day_case("true is not a quantity (bool is not an int)", [line(acme, True)]),
        day_case("false is not a quantity", [line(acme, False)]),
        day_case("null is not a quantity", [line(acme, None)]),
        day_case("a string is not a quantity", [line(acme, "1")]),
        day_case("half a half day", [line(acme, 0.5)]),
        day_case("one and a half half days", [line(acme, 1.5)]),
        day_case("a duplicate line", [line(acme, 1), line(acme, 1)]),
        day_case(
            "a duplicate invalid line is reported as a duplicate only",
            [line("bogus", 1), line("bogus", 1)],
        ),
        day_case("absence types are case-sensitive", [line("absence:cp", 1)]),
        day_case("a trailing space in an absence", [line("absence:CP ", 1)]),
        day_case("a short prefix", [line("m:acme", 2)]),
        day_case("an empty mission id", [line("mission:", 2)]),
        day_case("a non-ASCII mission id", [line("mission:acmé", 2)]),
        day_case("a capitalized prefix", [line("Mission:acme", 2)]),
        day_case("an empty key", [line("", 1)]),
        day_case("an unknown mission", [line("mission:ghost", 1)]),
        day_case(
            "Object.prototype names are not missions",
            [
                line("mission:constructor", 1),
                line("mission:toString", 1),
                line("mission:__proto__", 1),
                line("mission:hasOwnProperty", 1),
            ],
        ),
        day_case("a mission before its start", [line(beta, 1)], comment="x"),
        day_case("a mission on its first day", [line(beta, 1)], date="2026-11-10", comment="x"),
        day_case("a mission on its last day", [line(beta, 1)], date="2026-11-30", comment="x"),
        day_case(
            "a mission after its end",
            [line(beta, 1)],
            date="2026-12-01",
            month="2026-12",
            comment="x",
        ),
        day_case(
            "a mission outside its dates still needs its comment",
            [line(beta, 1)],
            comment=" ",
        ),
        day_case("an absence no active mission allows", [line("absence:formation", 2)]),
        day_case("an absence allowed by one of two active missions", [line(cp, 2)], date=both),
        day_case(
            "an absence neither active mission allows", [line(rtt, 1), line(beta, 1)], date=both
        ),
        day_case(
            "no active mission: every absence is allowed",
            [line("absence:intercontrat", 2)],
            date="2025-12-01",
            month="2025-12",
        ),
        day_case("no missions at all", [line("absence:sans_solde", 2)], missions={}),
        day_case("a work accident (AT/MP) no active mission allows", [line("absence:at_mp", 2)]),
        day_case(
            "half a day of AT/MP with no mission active",
            [line("absence:at_mp", 1)],
            date="2025-12-01",
            month="2025-12",
        ),
        day_case("AT/MP is lower case", [line("absence:AT_MP", 2)], missions={}),
        day_case("a required comment is missing", [line(beta, 2)], date=both),
        day_case(
            "a comment of blanks is missing (no-break spaces included)",
            [line(beta, 2)],
            date=both,
            comment=" \t\n\r\f\v\u00a0\u202f",
        ),
        day_case(
            "a thin space is not in the blank list (trim() would strip it)",
            [line(beta, 2)],
            date=both,
            comment="\u2009",
        ),
        day_case(
            "an ideographic space is not in the blank list",
            [line(beta, 2)],
            date=both,
            comment="\u3000",
        ),
        day_case(
            "a byte-order mark is not in the blank list",
            [line(beta, 2)],
            date=both,
            comment="\ufeff",
        ),
        day_case("a required comment given", [line(beta, 2)], date=both, comment="Recette"),
        day_case(
            "the comment is stripped of blanks only",
            [line(acme, 2)],
            comment="\u00a0 Mise en prod\u202f ; «\u2009ok\u2009» \t\n",
        ),
        day_case("a C0 control in a comment", [line(acme, 2)], comment="Recette\u0007"),
        day_case("DEL in a comment", [line(acme, 2)], comment="Recette\u007f"),
        day_case("a C1 control (NEL) in a comment", [line(acme, 2)], comment="Re\u0085cette"),
        day_case("the last C1 control in a comment", [line(acme, 2)], comment="\u009fRecette"),
        day_case("tabs and line breaks are text", [line(acme, 2)], comment="a\tb\r\nc"),
        day_case("U+00A0, just after the C1 block, is text", [line(acme, 2)], comment="a\u00a0b"),
        day_case("500 characters", [line(acme, 2)], comment="é" * 500),
        day_case("501 characters", [line(acme, 2)], comment="é" * 501),
        day_case(
            "500 astral characters are 1000 UTF-16 units and still fit",
            [line(acme, 2)],
            comment="😀" * 500,
        ),
        day_case("501 astral characters", [line(acme, 2)], comment="😀" * 501),
        day_case(
            "length is counted after stripping", [line(acme, 2)], comment=" " + "x" * 500 + " "
        ),
        day_case(
            "thin spaces are not stripped, so they count", [line(acme, 2)], comment="\u2009" * 501
        ),
        day_case(
            "a combining accent is its own code point", [line(acme, 2)], comment="e\u0301" * 251
        ),
        day_case("a day outside the month", [line(acme, 2)], date="2026-12-01"),
        day_case("a Saturday is allowed", [line(acme, 2)], date="2026-11-07"),
        day_case(
            "Christmas is allowed",
            [line(acme, 2)],
            date="2026-12-25",
            month="2026-12",
        ),
        day_case(
            "a leap day",
            [line(acme, 2)],
            date="2028-02-29",
            month="2028-02",
        ),
        day_case(
            "every rule broken at once, in order",
            [
                line(acme, 2),
                line("bogus", 3),
                line(acme, 1),
                line("mission:ghost", True),
                line(rtt, 2),
                line(beta, 2),
            ],
            date="2026-12-03",
            comment="x" * 501,
        ),
        day_case(
            "ASCII order of mission ids (not locale order)",
            [line("mission:a", 1), line("mission:B", 1)],
            missions=ODD_IDS,
        ),
        day_case(
            "ASCII order: digits, upper case, underscore, lower case, tilde",
            [line("mission:~x", 1), line("mission:_", 1)],
            missions=ODD_IDS,
        ),
        day_case(
            "ASCII order of a digit and an upper-case id",
            [line("mission:Z9", 1), line("mission:1", 1)],
            missions=ODD_IDS,
        ),
        day_case(
            "a mission whose id is __proto__ is a mission",
            [line("mission:__proto__", 2)],
            missions=ODD_IDS,
        ),
    ]
    return cases


def stored_day(
    date: str, lines: list[Json], comment: str, stamp: str, version: int, by_client: str
) -> Json:
    day = {"date": date, "lines": sorted(lines, key=lambda item: item["line"]), "comment": comment}
    return {"day": day, "hlc": stamp, "version": version, "by_client": by_client}


def set_day_case(
    note: str,
    *,
    lines: list[Json] | None = None,
    stamp: str = enc(NOW, 0, "phone"),
    stored: Json = None,
    status: str = "draft",
    facts_epoch: int = 0,
    epoch: int = 0,
    base_v: int = 0,
    date: str = "2026-11-03",
    comment: str = "",
    client_id: str = "phone",
    now: int = NOW,
    fill: bool = False,
) -> Case:
    incoming: Json = {
        "date": date,
        "epoch": epoch,
        "lines": [line("mission:acme", 2)] if lines is None else lines,
        "comment": comment,
        "hlc": stamp,
        "base_v": base_v,
    }
    if fill:
        incoming["fill"] = True
    return {
        "note": note,
        "incoming": incoming,
        "facts": {"status": status, "epoch": facts_epoch},
        "stored": stored,
        "missions": MISSIONS,
        "client_id": client_id,
        "now": now,
    }


def hand_decide_set_day() -> list[Case]:
    acme2 = [line("mission:acme", 2)]
    cp2 = [line("absence:CP", 2)]
    older_laptop = stored_day("2026-11-03", cp2, "", enc(NOW - 1000, 0, "laptop"), 7, "laptop")
    cases = [
        set_day_case("a first write is applied"),
        set_day_case("clearing a day is a write", lines=[]),
        set_day_case(
            "a newer stamp overwrites another device's unseen value",
            stored=older_laptop,
            base_v=3,
        ),
        set_day_case("the device had seen that version", stored=older_laptop, base_v=7),
        set_day_case("the device had seen a later version", stored=older_laptop, base_v=9),
        set_day_case(
            "the stored value came from the same device",
            stored=older_laptop,
            base_v=3,
            client_id="laptop",
        ),
        set_day_case(
            "an unseen but equal value is no overwrite",
            lines=cp2,
            stored=older_laptop,
            base_v=3,
        ),
        set_day_case(
            "an unseen value differing by its comment only",
            lines=cp2,
            comment="congés",
            stored=older_laptop,
            base_v=3,
        ),
        set_day_case(
            "an equal stamp never wins (a replay is a no-op)",
            stamp=enc(NOW - 1000, 0, "laptop"),
            stored=older_laptop,
            client_id="laptop",
        ),
        set_day_case(
            "an equal stamp with another value still loses",
            stamp=enc(NOW - 1000, 0, "laptop"),
            lines=acme2,
            stored=older_laptop,
        ),
        set_day_case(
            "an older stamp is superseded",
            stamp=enc(NOW - 2000, 5, "phone"),
            stored=older_laptop,
        ),
        set_day_case(
            "same wall and counter: the larger node wins",
            stamp=enc(NOW - 1000, 0, "phone"),
            stored=older_laptop,
            base_v=3,
        ),
        set_day_case(
            "same wall and counter: the smaller node loses",
            stamp=enc(NOW - 1000, 0, "aaa"),
            stored=older_laptop,
        ),
        set_day_case(
            "one counter step decides",
            stamp=enc(NOW - 1000, 1, "a"),
            stored=older_laptop,
            base_v=3,
        ),
        set_day_case("a sent-back month is editable", status="sent_back", facts_epoch=1, epoch=1),
        set_day_case("a reopened month rejects an edit of the old epoch", facts_epoch=1, epoch=0),
        set_day_case("an epoch from the future is rejected too", facts_epoch=1, epoch=2),
        set_day_case(
            "a locked month says locked before the epoch",
            status="signed",
            facts_epoch=1,
            epoch=0,
        ),
        set_day_case(
            "a locked month says locked before the clock and the value",
            status="validated",
            stamp="garbage",
            lines=[line("mission:acme", 2), line("absence:CP", 2)],
        ),
        set_day_case(
            "an epoch mismatch is reported before the clock",
            facts_epoch=2,
            stamp="garbage",
        ),
        set_day_case(
            "an invalid clock is reported before an invalid value",
            stamp="1000:0:phone",
            lines=[line("mission:acme", 3)],
        ),
        set_day_case(
            "a node with a colon is an invalid clock",
            stamp="0000000001000:0000:pho:ne",
        ),
        set_day_case(
            "an invalid value names its first violation",
            lines=[line("mission:acme", 2), line("absence:CP", 1)],
        ),
        set_day_case("true is not a quantity", lines=[line("mission:acme", True)]),
        set_day_case("an unknown mission", lines=[line("mission:ghost", 2)]),
        set_day_case(
            "a required comment is missing",
            lines=[line("mission:beta", 2)],
            date="2026-11-12",
        ),
        set_day_case(
            "the stored value is canonical: sorted lines, stripped comment",
            lines=[line("mission:acme", 1), line("absence:CP", 1)],
            comment="\u202f demi-journée \u00a0",
        ),
        set_day_case(
            "a far-future stamp is clamped to now, keeping counter and node",
            stamp=enc(1_900_000_000_000, 4, "phone"),
        ),
        set_day_case(
            "a stamp exactly 5 minutes ahead is kept",
            stamp=enc(NOW + MAX_DRIFT_MS, 0, "phone"),
        ),
        set_day_case(
            "a stamp 5 minutes and 1 ms ahead is clamped",
            stamp=enc(NOW + MAX_DRIFT_MS + 1, 0, "phone"),
        ),
        set_day_case(
            "a clamped stamp can lose to a stored stamp made later in real time",
            stamp=enc(1_900_000_000_000, 0, "phone"),
            stored=stored_day("2026-11-03", cp2, "", enc(NOW, 5, "laptop"), 9, "laptop"),
        ),
        set_day_case(
            "the clamped stamp of a replay wins again (decide_set_day alone does not dedupe)",
            stamp=enc(1_900_000_000_000, 0, "phone"),
            stored=stored_day("2026-11-03", acme2, "", enc(NOW - 60_000, 0, "phone"), 9, "phone"),
            client_id="phone",
        ),
        set_day_case(
            "a day before 1900 has no month",
            date="1899-12-31",
        ),
        set_day_case(
            "work on a Sunday is accepted",
            date="2026-11-08",
        ),
        # A fill (the app's prefill) only fills a day its device saw empty (§3.6.1).
        set_day_case("a fill of a day never written is applied", fill=True),
        set_day_case(
            "a fill over lines the device had seen is applied like any edit",
            stored=older_laptop,
            base_v=7,
            fill=True,
        ),
        set_day_case(
            "a fill stands down before lines written since, though its stamp is larger",
            stored=older_laptop,
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill stands down before the server's leave written since",
            stored=stored_day("2026-11-03", cp2, "", enc(NOW - 1000, 0, "server"), 7, "server"),
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill stands down before half a day written since",
            stored=stored_day(
                "2026-11-03",
                [line("absence:RTT", 1)],
                "",
                enc(NOW - 1000, 0, "laptop"),
                7,
                "laptop",
            ),
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill of a day emptied since is applied (and tells the overwrite)",
            stored=stored_day("2026-11-03", [], "", enc(NOW - 1000, 0, "laptop"), 7, "laptop"),
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill of a day emptied since keeping a comment is applied",
            stored=stored_day(
                "2026-11-03", [], "client", enc(NOW - 1000, 0, "laptop"), 7, "laptop"
            ),
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill over the same device's own later lines is applied",
            stored=stored_day("2026-11-03", cp2, "", enc(NOW - 1000, 0, "phone"), 7, "phone"),
            base_v=3,
            fill=True,
        ),
        set_day_case(
            "a fill in a locked month says locked, not superseded",
            stored=older_laptop,
            base_v=3,
            status="submitted",
            fill=True,
        ),
        set_day_case(
            "a fill of an old epoch says epoch_changed, not superseded",
            stored=older_laptop,
            base_v=3,
            facts_epoch=1,
            fill=True,
        ),
        set_day_case(
            "an invalid fill is rejected even where it would stand down",
            stored=older_laptop,
            base_v=3,
            lines=[line("mission:ghost", 2)],
            fill=True,
        ),
        set_day_case(
            "a fill over seen lines still loses to a larger stored stamp",
            stamp=enc(NOW - 2000, 0, "phone"),
            stored=older_laptop,
            base_v=7,
            fill=True,
        ),
    ]
    return cases


def hand_decide_submit() -> list[Case]:
    cases: list[Case] = []
    for status in MonthStatus:
        cases.append(
            {
                "note": f"submitting a {status.value} month",
                "facts": {"status": status.value, "epoch": 0},
                "epoch": 0,
                "reviewed_version": 10,
                "latest_foreign_version": 10,
            }
        )
    cases += [
        {
            "note": "another device changed the month after the review",
            "facts": {"status": "draft", "epoch": 0},
            "epoch": 0,
            "reviewed_version": 10,
            "latest_foreign_version": 11,
        },
        {
            "note": "foreign changes older than the review",
            "facts": {"status": "draft", "epoch": 0},
            "epoch": 0,
            "reviewed_version": 10,
            "latest_foreign_version": 3,
        },
        {
            "note": "no foreign change at all",
            "facts": {"status": "draft", "epoch": 0},
            "epoch": 0,
            "reviewed_version": 0,
            "latest_foreign_version": 0,
        },
        {
            "note": "the month was reopened since",
            "facts": {"status": "sent_back", "epoch": 2},
            "epoch": 1,
            "reviewed_version": 10,
            "latest_foreign_version": 0,
        },
        {
            "note": "a locked month says not_draft before the epoch",
            "facts": {"status": "signed", "epoch": 2},
            "epoch": 1,
            "reviewed_version": 0,
            "latest_foreign_version": 50,
        },
        {
            "note": "the epoch is checked before the review",
            "facts": {"status": "draft", "epoch": 1},
            "epoch": 0,
            "reviewed_version": 0,
            "latest_foreign_version": 50,
        },
    ]
    return cases


def set_item(
    mutation_id: int, date: str, epoch: int, lines: list[list[Json]], comment: str = ""
) -> Json:
    return {
        "name": "set_day",
        "id": mutation_id,
        "date": date,
        "epoch": epoch,
        "lines": lines,
        "comment": comment,
    }


def submit_item(mutation_id: int, month: str, epoch: int) -> Json:
    return {"name": "submit_month", "id": mutation_id, "month": month, "epoch": epoch}


def hand_rebase() -> list[Case]:
    base_days = {
        "2026-10-30": {"lines": [["mission:acme", 2]], "comment": ""},
        "2026-11-03": {"lines": [["absence:CP", 2]], "comment": "congés"},
    }
    draft = {"status": "draft", "epoch": 0}
    signed = {"status": "signed", "epoch": 0}
    full = [["mission:acme", 2]]
    return [
        {"note": "nothing at all", "days": {}, "months": {}, "pending": []},
        {
            "note": "no pending edit: the confirmed days",
            "days": base_days,
            "months": {"2026-11": draft},
            "pending": [],
        },
        {
            "note": "a pending edit of a draft month is shown",
            "days": base_days,
            "months": {"2026-11": draft},
            "pending": [set_item(1, "2026-11-03", 0, full, "retour client")],
        },
        {
            "note": "a pending clear is shown as an empty day",
            "days": base_days,
            "months": {"2026-11": draft},
            "pending": [set_item(1, "2026-11-03", 0, [])],
        },
        {
            "note": "the last pending edit of a day wins",
            "days": base_days,
            "months": {"2026-11": draft},
            "pending": [
                set_item(1, "2026-11-04", 0, full),
                set_item(2, "2026-11-04", 0, [["absence:RTT", 1]]),
            ],
        },
        {
            "note": "an edit of a locked month is blocked and not shown",
            "days": base_days,
            "months": {"2026-10": signed, "2026-11": draft},
            "pending": [
                set_item(1, "2026-10-30", 0, [["absence:CP", 2]]),
                set_item(2, "2026-11-05", 0, full),
            ],
        },
        {
            "note": "an edit made before a reopen is blocked",
            "days": base_days,
            "months": {"2026-11": {"status": "sent_back", "epoch": 1}},
            "pending": [
                set_item(1, "2026-11-03", 0, full),
                set_item(2, "2026-11-04", 1, full),
            ],
        },
        {
            "note": "a month the phone never heard of is a draft of epoch 0",
            "days": {},
            "months": {},
            "pending": [
                set_item(1, "2027-01-04", 0, full),
                set_item(2, "2027-01-05", 1, full),
                submit_item(3, "2027-02", 0),
            ],
        },
        {
            "note": "submissions: pending on a draft, blocked on a locked or reopened month",
            "days": {},
            "months": {
                "2026-09": {"status": "submitted", "epoch": 0},
                "2026-10": {"status": "sent_back", "epoch": 2},
                "2026-11": draft,
            },
            "pending": [
                submit_item(1, "2026-09", 0),
                submit_item(2, "2026-10", 1),
                submit_item(3, "2026-11", 0),
                submit_item(4, "2026-10", 2),
            ],
        },
        {
            "note": (
                "an edit queued after a submission of its month is still shown "
                "(the server will reject it once the submission applies)"
            ),
            "days": base_days,
            "months": {"2026-11": draft},
            "pending": [submit_item(1, "2026-11", 0), set_item(2, "2026-11-06", 0, full)],
        },
        {
            "note": "every locked status blocks",
            "days": {},
            "months": {
                f"2026-0{index + 1}": {"status": status, "epoch": 0}
                for index, status in enumerate(
                    ["draft", "submitted", "in_validation", "validated", "signed", "sent_back"]
                )
            },
            "pending": [
                set_item(index + 10, f"2026-0{index + 1}-15", 0, full) for index in range(6)
            ],
        },
    ]


# -- seeded random cases ------------------------------------------------------------------------


def random_hlc_tick(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        wall = rng.choice([0, 1, 999, NOW, NOW + rng.randrange(-5000, 5000)])
        counter = rng.choice([0, 1, rng.randrange(0, MAX_COUNTER + 1), MAX_COUNTER])
        local = None if rng.random() < 0.15 else enc(wall, counter, rng.choice(NODES))
        now = max(0, wall + rng.choice([-1000, -1, 0, 0, 1, 1000, rng.randrange(-100, 100)]))
        cases.append({"local": local, "now": now, "node": rng.choice(NODES)})
    return cases


def random_hlc_recv(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        # A small pool of walls, so that ties between local, remote and now are frequent.
        walls = [NOW + offset for offset in (-1, 0, 1)]
        counters = [0, 1, 5, MAX_COUNTER - 1, MAX_COUNTER]
        local = None
        if rng.random() > 0.15:
            local = enc(rng.choice(walls), rng.choice(counters), rng.choice(NODES))
        remote = enc(rng.choice(walls), rng.choice(counters), rng.choice(NODES))
        now = rng.choice([*walls, NOW - 10_000, NOW + 10_000])
        cases.append({"local": local, "remote": remote, "now": now, "node": rng.choice(NODES)})
    return cases


def random_hlc_cmp(rng: random.Random, count: int) -> list[Case]:
    pool = [
        enc(wall, counter, node)
        for wall in (999, 1000, NOW)
        for counter in (0, 9, 10, MAX_COUNTER)
        for node in ("a", "a-", "aB", "Z", "_", "0")
    ]
    return [{"a": rng.choice(pool), "b": rng.choice(pool)} for _ in range(count)]


def random_hlc_clamp(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        offset = rng.choice(
            [0, MAX_DRIFT_MS, MAX_DRIFT_MS + 1, rng.randrange(-(10**9), 10**11), -MAX_DRIFT_MS]
        )
        stamp = enc(NOW + offset, rng.randrange(0, MAX_COUNTER + 1), rng.choice(NODES))
        case: Case = {"stamp": stamp, "now": NOW}
        if rng.random() < 0.3:
            case["max_drift_ms"] = rng.choice([0, 1, 60_000, 3_600_000])
        cases.append(case)
    return cases


def random_calendar(rng: random.Random, years: int, months: int) -> list[Case]:
    cases: list[Case] = []
    for _ in range(years):
        region = rng.choice(["metropole", "alsace_moselle"])
        cases.append({"year": rng.randrange(1900, 3000), "region": region})
    for _ in range(months):
        region = rng.choice(["metropole", "alsace_moselle"])
        month = f"{rng.randrange(1900, 3000):04d}-{rng.randrange(1, 13):02d}"
        cases.append({"month": month, "region": region})
    return cases


ANY_KEYS = (
    "mission:acme",
    "mission:beta",
    "mission:gamma",
    "mission:ghost",
    "absence:cp",
    "bogus",
    *(f"absence:{kind.value}" for kind in AbsenceType),
)
ANY_HALF_DAYS: tuple[Json, ...] = (1, 2, 1, 2, 0, 3, -1, True, False, None, 0.5)
COMMENTS = ("", " ", "ok", "\u00a0note\u202f", "\u2009", "recette", "x" * 501)
ALL_MISSIONS = MISSION_SETS[1]
CLIENTS = ("phone", "laptop", "tablet")


def plausible_lines(rng: random.Random, date: str, missions: Json) -> list[Json]:
    """Lines that usually pass: active missions and the absences they allow, total <= 2."""
    active = [m for m in missions.values() if m["start"] <= date and date <= (m["end"] or date)]
    keys = [f"mission:{m['id']}" for m in active]
    absences = {kind for m in active for kind in m["allowed_absences"]}
    keys += [f"absence:{kind}" for kind in sorted(absences or {"CP", "intercontrat"})]
    chosen = rng.sample(keys, min(len(keys), rng.choice([0, 1, 1, 2, 2])))
    if len(chosen) == 2:
        return [line(chosen[0], 1), line(chosen[1], 1)]
    return [line(key, rng.choice([1, 2])) for key in chosen]


def random_lines(
    rng: random.Random, date: str, missions: Json, *, valid_bias: float
) -> list[Json]:
    if rng.random() < valid_bias:
        return plausible_lines(rng, date, missions)
    lines = []
    for _ in range(rng.choice([1, 2, 2, 3])):
        lines.append(line(rng.choice(ANY_KEYS), rng.choice(ANY_HALF_DAYS)))
    return lines


def random_date(rng: random.Random) -> str:
    start = dt.date(2026, 10, 25)
    return (start + dt.timedelta(days=rng.randrange(0, 45))).isoformat()


def random_check_day(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        date = random_date(rng)
        month = date[:7] if rng.random() < 0.85 else "2026-11"
        missions = rng.choice(MISSION_SETS[:4])
        cases.append(
            {
                "month": month,
                "date": date,
                "lines": random_lines(rng, date, missions, valid_bias=0.5),
                "comment": rng.choice(COMMENTS),
                "missions": missions,
            }
        )
    return cases


def _canonical(date: str, lines: list[Json], comment: str) -> Json:
    """The day validate_day would store, or None when the value is invalid."""
    case = {"month": date[:7], "date": date, "lines": lines, "comment": comment}
    canonical = run_check_day({**case, "missions": ALL_MISSIONS})["canonical"]
    return None if canonical is None else {"date": date, **canonical}


def _is_stamp(text: str) -> bool:
    try:
        Hlc.parse(text)
    except RuleError:
        return False
    return True


def random_decide_set_day(rng: random.Random, count: int, *, fill: bool = False) -> list[Case]:
    """Random ``set_day`` cases; with ``fill``, every one is a fill (drawn after every other
    family, so that adding them left the earlier cases as they were)."""
    cases = []
    for _ in range(count):
        date = random_date(rng)
        status = rng.choice(["draft"] * 14 + ["sent_back", "submitted", "signed", "validated"])
        facts_epoch = rng.choice([0, 0, 0, 1, 2])
        epoch = facts_epoch if rng.random() < 0.9 else rng.choice([0, 1, 2, 3])
        client = rng.choice(CLIENTS)
        # Walls close together so that stored and incoming stamps often tie or cross.
        wall = NOW + rng.choice([-2, -1, 0, 0, 1, MAX_DRIFT_MS, MAX_DRIFT_MS + 1, 10**9])
        stamp = enc(wall, rng.randrange(0, 3), client)
        if rng.random() < 0.05:
            stamp = rng.choice(["", "garbage", stamp[1:], stamp + ":x"])
        comment = rng.choice(["", "ok", "recette", "\u00a0ok ", "\u2009"])
        lines = random_lines(rng, date, ALL_MISSIONS, valid_bias=0.85)
        stored = None
        if rng.random() < 0.75:
            day = None
            while day is None:
                day = _canonical(
                    date,
                    plausible_lines(rng, date, ALL_MISSIONS),
                    rng.choice(["", "ok", "recette"]),
                )
            if rng.random() < 0.25:
                # Often the very value coming in: an overwrite that changes nothing.
                day = _canonical(date, lines, comment) or day
            by_client = rng.choice(CLIENTS)
            stored = {
                "day": day,
                "hlc": enc(NOW + rng.choice([-2, -1, 0, 1]), rng.randrange(0, 3), by_client),
                "version": rng.randrange(1, 12),
                "by_client": by_client,
            }
            if rng.random() < 0.2 and _is_stamp(stamp):
                stored["hlc"], stored["by_client"] = stamp, client  # a replay
        incoming: Json = {
            "date": date,
            "epoch": epoch,
            "lines": lines,
            "comment": comment,
            "hlc": stamp,
            "base_v": rng.randrange(0, 12),
        }
        if fill:
            incoming["fill"] = True
            if stored is not None and rng.random() < 0.5:
                # Often a day written since the device's base version: where a fill stands down.
                stored["version"] = incoming["base_v"] + rng.randrange(1, 3)
        cases.append(
            {
                "incoming": incoming,
                "facts": {"status": status, "epoch": facts_epoch},
                "stored": stored,
                "missions": ALL_MISSIONS,
                "client_id": client,
                "now": NOW,
            }
        )
    return cases


def random_decide_submit(rng: random.Random, count: int) -> list[Case]:
    cases = []
    for _ in range(count):
        facts_epoch = rng.choice([0, 0, 1])
        cases.append(
            {
                "facts": {"status": rng.choice(list(MonthStatus)).value, "epoch": facts_epoch},
                "epoch": facts_epoch if rng.random() < 0.8 else rng.choice([0, 1, 2]),
                "reviewed_version": rng.randrange(0, 10),
                "latest_foreign_version": rng.randrange(0, 10),
            }
        )
    return cases


def random_rebase(rng: random.Random, count: int) -> list[Case]:
    months = ("2026-10", "2026-11", "2026-12")
    statuses = [status.value for status in MonthStatus]
    values = ([], [["mission:acme", 2]], [["absence:CP", 1], ["mission:acme", 1]])
    cases = []
    for _ in range(count):
        facts = {
            month: {"status": rng.choice(statuses), "epoch": rng.choice([0, 0, 1])}
            for month in months
            if rng.random() < 0.8
        }
        days = {
            f"{rng.choice(months)}-{rng.randrange(1, 29):02d}": {
                "lines": rng.choice(values),
                "comment": rng.choice(["", "ok"]),
            }
            for _ in range(rng.randrange(0, 5))
        }
        pending = []
        for mutation_id in range(1, rng.randrange(1, 9)):
            month = rng.choice(months)
            epoch = rng.choice([0, 0, 1])
            if rng.random() < 0.2:
                pending.append(submit_item(mutation_id, month, epoch))
            else:
                date = f"{month}-{rng.randrange(1, 8):02d}"
                comment = rng.choice(["", "pending"])
                pending.append(set_item(mutation_id, date, epoch, rng.choice(values), comment))
        cases.append({"days": dict(sorted(days.items())), "months": facts, "pending": pending})
    return cases


# -- assembly -----------------------------------------------------------------------------------


def build() -> dict[str, Any]:
    """Build every vector family, hand-written cases first, from a fixed seed."""
    rng = random.Random(SEED)
    raw: dict[str, list[Case]] = {
        "hlc_parse": hand_hlc_parse(),
        "hlc_tick": hand_hlc_tick() + random_hlc_tick(rng, 30),
        "hlc_recv": hand_hlc_recv() + random_hlc_recv(rng, 40),
        "hlc_cmp": hand_hlc_cmp() + random_hlc_cmp(rng, 30),
        "hlc_clamp": hand_hlc_clamp() + random_hlc_clamp(rng, 16),
        "calendar": hand_calendar() + random_calendar(rng, 20, 40),
        "check_day": hand_check_day() + random_check_day(rng, 120),
        "decide_set_day": hand_decide_set_day() + random_decide_set_day(rng, 90),
        "decide_submit": hand_decide_submit() + random_decide_submit(rng, 30),
        "rebase": hand_rebase() + random_rebase(rng, 40),
    }
    raw["decide_set_day"] += random_decide_set_day(rng, 20, fill=True)
    vectors: dict[str, Any] = {"version": VERSION}
    for family in FAMILIES:
        vectors[family] = [_complete(family, case) for case in raw[family]]
    return vectors


def render(vectors: Mapping[str, Any]) -> str:
    """Serialize with one case per line, so that a diff shows which cases changed."""
    parts = ["{", f'  "version": {json.dumps(vectors["version"])},']
    for index, family in enumerate(FAMILIES):
        cases = vectors[family]
        parts.append(f"  {json.dumps(family)}: [")
        for case_index, case in enumerate(cases):
            comma = "," if case_index < len(cases) - 1 else ""
            parts.append("    " + json.dumps(case, ensure_ascii=False) + comma)
        parts.append("  ]" + ("," if index < len(FAMILIES) - 1 else ""))
    parts.append("}")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file differs from a fresh generation"
    )
    args = parser.parse_args(argv)
    fresh = render(build())
    if args.check:
        current = VECTORS_PATH.read_text(encoding="utf-8") if VECTORS_PATH.exists() else ""
        if current != fresh:
            print(
                f"{VECTORS_PATH} is out of date: run `python -m tests.vectors.generate`",
                file=sys.stderr,
            )
            return 1
        print(f"{VECTORS_PATH} is up to date")
        return 0
    VECTORS_PATH.write_text(fresh, encoding="utf-8")
    data = json.loads(fresh)
    counts = ", ".join(f"{family} {len(data[family])}" for family in FAMILIES)
    print(f"wrote {VECTORS_PATH} ({len(fresh.encode())} bytes): {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
