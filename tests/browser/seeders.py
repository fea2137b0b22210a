"""One `python -m tests.browser.seed serve` per server under test, started at its first seed.

A seed runs in a process of its own because Playwright's sync API keeps an event loop running in
the test's thread (tests/browser/seed.py). Starting `python -m tests.browser.seed` for every seed
cost an interpreter's start-up and the `server` imports each time, about a second, 60-80 times a
run; one process per server pays them once and then answers a request a line. It is started with
the server's environment, so it seeds that server's database (keyed by its `DATABASE_URL`), and
is stopped with the server (`conftest._serving`) or at the end of the session.

A command that fails fails the test with the seed's message and traceback, the process staying
up for the next one; a process that dies or stops answering fails the test with its stderr, and
the next seed starts a new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED_TIMEOUT_S = 60.0
"""How long one seed may take, as the one-shot command was given."""
STOP_TIMEOUT_S = 10.0
STDERR_SHOWN = 8_000
"""The end of the process's stderr said when it dies: a traceback, not a day of warnings."""


class Seeder:
    """A running `python -m tests.browser.seed serve` on one server's environment."""

    def __init__(self, *, env: dict[str, str], stderr_path: Path) -> None:
        self.env = env
        self._stderr_path = stderr_path
        with stderr_path.open("wb") as err:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.seed", "serve"],
                cwd=REPO,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
            )
        self._unread = b""

    def alive(self) -> bool:
        return self._process.poll() is None

    def request(self, args: Sequence[str]) -> dict[str, str]:
        """The answer of `python -m tests.browser.seed *args`; a failure fails the test."""
        said = f"seed {' '.join(args)}"
        try:
            self._stdin.write(json.dumps(list(args)).encode() + b"\n")
            self._stdin.flush()
        except BrokenPipeError:
            self._died(said)
        answer = json.loads(self._read_line(said))
        if "error" in answer:
            pytest.fail(f"{said} failed: {answer['error']}\n{answer['traceback']}")
        return dict(answer)

    def stop(self) -> None:
        """Close its stdin (it ends its loop and exits); kill it if it does not."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):  # it died: nothing left to tell it
                self._process.stdin.close()
        try:
            self._process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT_S)
        if self._process.stdout is not None:
            self._process.stdout.close()

    @property
    def _stdin(self) -> IO[bytes]:
        assert self._process.stdin is not None
        return self._process.stdin

    def _read_line(self, said: str) -> bytes:
        # select and os.read rather than readline: a seed that hangs must fail the test within
        # SEED_TIMEOUT_S, as the one-shot command's timeout did, not block the run.
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + SEED_TIMEOUT_S
        while b"\n" not in self._unread:
            left = deadline - time.monotonic()
            if left <= 0:
                self._process.kill()
                self.stop()
                pytest.fail(
                    f"{said}: no answer within {SEED_TIMEOUT_S:.0f} s\nstderr:\n{self._stderr()}"
                )
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65_536)
                if not chunk:
                    self._died(said)
                self._unread += chunk
        line, _, self._unread = self._unread.partition(b"\n")
        return line

    def _died(self, said: str) -> None:
        self.stop()
        pytest.fail(
            f"{said}: the seed process exited with {self._process.returncode}\n"
            f"stderr:\n{self._stderr()}"
        )

    def _stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace")[-STDERR_SHOWN:]


_SEEDERS: dict[str, Seeder] = {}
"""The running seed processes of this pytest process, by their server's DATABASE_URL."""


def seed(*, env: dict[str, str], workdir: Path, args: Sequence[str]) -> dict[str, str]:
    """Seed the server of `env` (its DATABASE_URL) through its seed process, started if none
    runs (its stderr goes to `workdir`/seed.err)."""
    url = env["DATABASE_URL"]
    seeder = _SEEDERS.get(url)
    if seeder is not None and (seeder.env != env or not seeder.alive()):
        stop(url)
        seeder = None
    if seeder is None:
        seeder = _SEEDERS[url] = Seeder(env=env, stderr_path=workdir / "seed.err")
    return seeder.request(args)


def stop(url: str) -> None:
    """Stop the seed process of the server on `url`, if one runs."""
    seeder = _SEEDERS.pop(url, None)
    if seeder is not None:
        seeder.stop()


def stop_all() -> None:
    """Stop every seed process still running (the end of the session)."""
    for url in list(_SEEDERS):
        stop(url)
