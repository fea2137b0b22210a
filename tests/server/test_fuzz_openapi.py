"""The fuzzing gate: schemathesis over the whole OpenAPI document of a running server.

`carnet serve` runs on a fresh SQLite file with the demo organisation; schemathesis then sends
what it derives from `/schema/openapi.json` (examples, boundary values, schema-violating
input, random input and stateful sequences) as three people in turn: anonymous, the
consultant Alice and her manager Marc, each logged in by a real passkey ceremony and sending
the CSRF cookie and header. Every check schemathesis has is on (`--checks all`); the run
fails on any 5xx and on any answer the document does not describe (status, media type,
headers, body schema), on schema-valid input refused for its form, on schema-violating input
accepted, on authentication ignored, and so on (docs/api.md lists them).

Two settings, both said here: a schema-valid request may be refused with 422 by a rule the
document cannot state (a day over one, an expired ceremony, a month of a year that is not
1900-2999), so 422 counts as an answer to valid input; and the logged-in runs leave out
`POST /auth/logout`, which would end the fuzzer's own session (the anonymous run calls it).

The total fuzzing time is `CARNET_FUZZ_SECONDS` (default 150), shared by the three people;
`CARNET_FUZZ_SEED` picks the generator's seed (default 1, so a failure replays).
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_server import (
    CONSULTANT,
    MANAGER,
    REPO,
    Identity,
    Target,
    anonymous,
    known_ids,
    logged_in,
    running_target,
)

pytestmark = pytest.mark.slow

FUZZ_SECONDS = float(os.environ.get("CARNET_FUZZ_SECONDS", "150"))
SEED = os.environ.get("CARNET_FUZZ_SEED", "1")
SESSION_COOKIE = "carnet-session"
ACCESS_LINE = re.compile(r'"(GET|POST|PUT|DELETE|PATCH|OPTIONS|HEAD|TRACE) \S+ HTTP/1\.1" (\d{3})')

CHECKS_CONFIG = """
[generation]
database = "none"

[checks.positive_data_acceptance]
# 422: refused by a rule the document cannot state; every other 4xx stays a failure.
# 303: the single sign-on endpoints answer a browser's navigation with a redirect, always.
expected-statuses = ["2xx", "303", "401", "403", "404", "409", "422", "429"]
"""


@dataclass
class Run:
    identity: str
    seconds: float
    requests: int
    statuses: dict[str, int]
    exit_code: int
    output: str


def config_for(target: Target, identity: Identity) -> str:
    """Checks, credentials, and the ids this person can name as path parameters."""
    parts = [CHECKS_CONFIG, identity.auth_config(SESSION_COOKIE)]
    ids = known_ids(target, identity)
    for name, values in ids.items():
        if values:
            parts.append(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
    if any(ids.values()):
        parts.append("[parameters]")
        parts += [
            f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}'
            for name, values in ids.items()
            if values
        ]
    return "\n".join(parts) + "\n"


def fuzz(target: Target, identity: Identity, seconds: float, workdir: Path) -> Run:
    config = workdir / f"schemathesis-{identity.name}.toml"
    config.write_text(config_for(target, identity))
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        target.schema_url,
        "--checks",
        "all",
        "--max-time",
        str(max(1, round(seconds))),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(workdir / f"report-{identity.name}"),
    ]
    if identity.person_id is not None:
        command += ["--exclude-operation-id", "logout"]
    log = target.workdir / "server.log"
    before = log.read_text(errors="replace")
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=seconds + 300, check=False
    )
    elapsed = time.monotonic() - started
    served = log.read_text(errors="replace")[len(before) :]
    statuses: dict[str, int] = {}
    for match in ACCESS_LINE.finditer(served):
        statuses[match.group(2)] = statuses.get(match.group(2), 0) + 1
    return Run(
        identity=identity.name,
        seconds=elapsed,
        requests=sum(statuses.values()),
        statuses=dict(sorted(statuses.items())),
        exit_code=result.returncode,
        output=result.stdout + result.stderr,
    )


def test_the_api_holds_to_its_openapi_document_under_fuzzing(tmp_path: Path) -> None:
    """Make sure no request schemathesis can derive from the OpenAPI document, anonymous or as
    a consultant or manager, gets a 5xx or an answer the document does not describe."""
    with running_target(tmp_path / "server") as target:
        identities = [
            anonymous(target),
            logged_in(target, CONSULTANT, "consultant"),
            logged_in(target, MANAGER, "manager"),
        ]
        runs = [fuzz(target, i, FUZZ_SECONDS / len(identities), tmp_path) for i in identities]
        log = (target.workdir / "server.log").read_text(errors="replace")
    summary = "\n".join(
        f"fuzz {r.identity}: {r.requests} requests in {r.seconds:.0f} s, statuses {r.statuses}"
        for r in runs
    )
    report = REPO / "test-results" / "fuzz.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text(summary + "\n")
    print(summary)
    failed = [r for r in runs if r.exit_code != 0]
    assert not failed, "\n\n".join(f"== {r.identity}\n{r.output[-20000:]}" for r in failed)
    assert all(r.requests > 100 for r in runs), summary
    assert not any(code.startswith("5") for r in runs for code in r.statuses), summary
    assert "Traceback" not in log, log[log.index("Traceback") - 2000 :][:8000]
