"""Browser tests never hand an async check to Playwright's `wait_for_function`: it takes the
returned promise itself for a true answer, so such a wait waits for nothing (a test then races
the page, and fails one run in two). `tests.browser.conftest.comes_true` polls instead."""

from __future__ import annotations

import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).parent / "browser"
WAIT = re.compile(r"wait_for_function\(\s*(?P<arg>[^,)]+)", re.S)
ASYNC = re.compile(r"\basync\b|\bawait\b|\.then\(|fetch\(")


def _constants(text: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_]+) = (\"[^\n]*\")$", text, re.M))


def test_no_browser_test_waits_on_an_async_check() -> None:
    offenders = []
    for path in sorted(BROWSER_TESTS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        constants = _constants(text)
        for match in WAIT.finditer(text):
            arg = match.group("arg").strip()
            script = constants.get(arg, arg)
            if ASYNC.search(script):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.name}:{line}: {script}")
    assert offenders == [], "use comes_true / wait_signed_in:\n" + "\n".join(offenders)


def test_the_check_finds_an_async_wait() -> None:
    text = "SIGNED = \"async () => (await fetch('/x')).ok\"\npage.wait_for_function(SIGNED)\n"
    arg = WAIT.search(text)
    assert arg is not None
    assert ASYNC.search(_constants(text)[arg.group("arg").strip()])
