"""The PWA's budgets (issue 4), measured on the real server and headless Chromium.

    .venv/bin/python bench/pwa_budgets.py [--runs 5] [--taps 20]

1. **App shell size**: every file the service worker precaches, plus `sw.js`, icons
   excluded (HTML, JS, CSS, manifest), uncompressed, as the server serves them (minified at
   start-up by server/api/shell.py); budget 100 KB (102 400 bytes). The modules of
   `js/online/` (screens that need the network, imported on demand, never precached) are
   printed apart.
2. **First render offline from a cold start**: a persistent Chromium profile signs in once
   online (service worker installed, month in IndexedDB), then the browser is closed and
   relaunched offline, `--runs` times; the figures are the performance marks the month view
   sets once its first DOM with data is complete (`month-rendered`) and after the next frame
   (`month-painted`), in ms since navigation start. Budget 500 ms for the median of
   `month-painted` (p95 and max printed too).
3. **A tap's visual response with a full year stored**: twelve months of days queued through
   the store (`editMany`), then `--taps` real mouse clicks on cells; the figure is the
   `tap-response` measure the month view records from `pointerdown` to the frame after the
   cell's DOM update (which waits for the durable IndexedDB commit). Budget 50 ms at the
   95th percentile. Measured with the year still queued offline (~250 mutations; since store
   version 2 an edit and a render read only their month's part of the queue) and once synced.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

from bench.harness import free_port  # noqa: E402
from server.api.shell import load_shell  # noqa: E402
from sync.calendar import CalendarRegion, working_days  # noqa: E402
from sync.months import MonthKey  # noqa: E402

PWA = REPO / "pwa"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
SHELL_BUDGET = 100 * 1024
FIRST_RENDER_BUDGET_MS = 500.0
TAP_BUDGET_MS = 50.0


def online_size() -> list[tuple[str, int]]:
    """Served bytes of the on-demand modules (js/online/, not precached), per file."""
    shell = load_shell(PWA)
    return [(path, len(shell.served(PWA, path))) for path in shell.online]


def shell_size() -> tuple[int, int, int, list[tuple[str, int]]]:
    """(served bytes, gzip bytes, source bytes, per file) of the shell without icons.

    Every file the service worker precaches except icons, plus `sw.js` itself, as the server
    serves them (server/api/shell.py: JS and CSS minified at start-up).
    """
    shell = load_shell(PWA)
    files = [f for f in shell.files if not f.startswith("/icons/")] + ["/sw.js"]
    bodies = {f: shell.served(PWA, f) for f in files}
    raw = sum(len(body) for body in bodies.values())
    packed = sum(len(gzip.compress(body, 9)) for body in bodies.values())
    source = sum((PWA / f.lstrip("/")).stat().st_size for f in files)
    return (
        raw,
        packed,
        source,
        sorted(((f, len(b)) for f, b in bodies.items()), key=lambda i: -i[1]),
    )


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


@contextmanager
def demo_server(workdir: Path, mission_start: date) -> Any:
    """A demo-mode server on a fresh SQLite file with one consultant; yields (origin, ids)."""
    port = free_port()
    origin = f"http://localhost:{port}"
    (workdir / "data").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'carnet.sqlite'}",
        "CARNET_ORIGIN": origin,
        "CARNET_RP_ID": "localhost",
        "CARNET_DEMO_MODE": "1",
        "CARNET_SECRET_KEY": "pwa-budgets-secret-key-0123456789abcdef",
        "CARNET_DATA_DIR": str(workdir / "data"),
        "CARNET_AUTH_RATE_LIMIT": "1000",
    }
    _cli(env, "-m", "server", "migrate")
    _cli(env, "-m", "server", "create-admin", "--email", "admin@example.fr", "--name", "Admin",
         "--organisation", "ESN Bench")  # fmt: skip
    ids = json.loads(
        _cli(env, "-m", "tests.browser.seed", "consultant", "--email", "bench@example.fr",
             "--name", "Bench Consultant", "--start", mission_start.isoformat()).splitlines()[-1]
    )  # fmt: skip
    log = (workdir / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/session", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((workdir / "server.log").read_text()) from None
                time.sleep(0.1)
        yield origin, ids, "bench@example.fr"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def launch(playwright: Any, profile: Path) -> BrowserContext:
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        locale="fr-FR",
        viewport={"width": 375, "height": 800},
    )


SEED_YEAR = """
async ({userId, line, months}) => {
  const {openStore} = await import("/js/store.js");
  const {workingDays} = await import("/js/core/calendar.js");
  const {parseMonth} = await import("/js/core/months.js");
  const store = await openStore({userId});
  let days = 0;
  for (const month of months) {
    const edits = workingDays({month: parseMonth(month), region: "metropole"})
      .map((date) => ({date, lines: [{line, half_days: 2}], comment: ""}));
    const result = await store.editMany(edits);
    if (!result.ok) throw new Error(JSON.stringify(result.violations.slice(0, 3)));
    days += edits.length;
  }
  store.close();
  return days;
}
"""


# Scroll the grid so the cell is the first column right of the sticky line labels. The month
# opens centred on today, so on some days the first working days sit under those labels, where
# a click would land on a label (and no tap would ever be measured).
REVEAL = """(cell) => {
  const wrap = cell.closest(".grid-wrap");
  const labels = wrap.querySelector("th.line").offsetWidth;
  wrap.scrollLeft = Math.max(0, cell.parentElement.offsetLeft - labels);
}"""
HIT = "([x, y]) => document.elementFromPoint(x, y)?.closest('button.cell')?.dataset.date ?? null"


def taps(page: Page, line: str, dates: list[str], count: int) -> list[float]:
    """Click `count` cells of the mission row, on `dates` in turn, whatever the day the month
    opened on; the tap-response durations (ms)."""
    page.evaluate("() => performance.clearMeasures('tap-response')")
    for i in range(count):
        date = dates[i % len(dates)]
        target = page.locator(f'button.cell[data-line="{line}"][data-date="{date}"]')
        target.scroll_into_view_if_needed()
        target.evaluate(REVEAL)
        box = target.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        under = page.evaluate(HIT, [x, y])
        assert under == date, f"a click at the cell of {date} would land on {under or 'a label'}"
        page.mouse.click(x, y)
        page.wait_for_function(
            "(n) => performance.getEntriesByName('tap-response').length >= n", arg=i + 1
        )
        page.wait_for_timeout(30)
    return [
        float(d)
        for d in page.evaluate(
            "() => performance.getEntriesByName('tap-response').map((e) => e.duration)"
        )
    ]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"median {statistics.median(ordered):6.1f} ms · p95 {p95(ordered):6.1f} ms · "
        f"max {ordered[-1]:6.1f} ms  (n={len(ordered)})"
    )


def machine(browser_version: str) -> str:
    model = "unknown CPU"
    for text in Path("/proc/cpuinfo").read_text().splitlines():
        if text.startswith("model name"):
            model = text.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    load = Path("/proc/loadavg").read_text().split()[0]
    return (
        f"{model}, {os.cpu_count()} CPUs (load average {load} at the end), "
        f"{int(memory) // 1024} MiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"Chromium {browser_version} headless"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="cold starts offline")
    parser.add_argument("--taps", type=int, default=20, help="taps per measurement")
    args = parser.parse_args()

    raw, packed, source, files = shell_size()
    this_month = MonthKey.of(date.today())
    year = [this_month]
    for _ in range(11):
        year.insert(0, year[0].previous())
    results: dict[str, bool] = {"shell": raw <= SHELL_BUDGET}

    workdir = Path(tempfile.mkdtemp(prefix="carnet-pwa-budgets-"))
    try:
        with (
            demo_server(workdir, year[0].first_day) as (origin, ids, email),
            sync_playwright() as p,
        ):
            line = f"mission:{ids['mission_id']}"
            profile = workdir / "profile"
            context = launch(p, profile)
            version = context.browser.version if context.browser else "?"
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(f"{origin}/#demo={email}")
            page.locator(f'button.cell[data-line="{line}"]').first.wait_for()
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            context.set_offline(True)
            seeded = page.evaluate(
                SEED_YEAR, {"userId": ids["person_id"], "line": line,
                            "months": [str(m) for m in year]}
            )  # fmt: skip
            page.reload()
            page.locator(f'button.cell[data-line="{line}"].v2').first.wait_for()
            dates = [
                d.isoformat()
                for d in working_days(month=this_month, region=CalendarRegion.METROPOLE)
            ]
            # As if the month had opened at its end (the 31st): its first days are the far
            # side of the sticky labels. The taps must find them whatever the date.
            page.evaluate("() => { const w = document.querySelector('.grid-wrap');"
                          " w.scrollLeft = w.scrollWidth; }")  # fmt: skip
            queued = taps(page, line, dates, args.taps)
            context.set_offline(False)
            page.get_by_test_id("pending").filter(has_text="Tout est envoyé").wait_for(
                timeout=60_000
            )
            synced = taps(page, line, dates, args.taps)
            context.close()

            renders, painted = [], []
            for _ in range(args.runs):
                context = launch(p, profile)
                context.set_offline(True)
                page = context.pages[0] if context.pages else context.new_page()
                page.goto(origin + "/")
                page.wait_for_function(
                    "() => performance.getEntriesByName('month-painted').length > 0"
                )
                marks = page.evaluate(
                    "() => ['month-rendered', 'month-painted'].map("
                    "(n) => performance.getEntriesByName(n)[0].startTime)"
                )
                renders.append(float(marks[0]))
                painted.append(float(marks[1]))
                context.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # Verdict on the median: single cold starts swing with whatever else the machine runs.
    results["first render"] = statistics.median(painted) < FIRST_RENDER_BUDGET_MS
    results["tap"] = max(p95(queued), p95(synced)) < TAP_BUDGET_MS

    def verdict(key: str) -> str:
        return "OK  " if results[key] else "OVER"

    print("Carnet PWA budgets  (bench/pwa_budgets.py)")
    print(f"  machine: {machine(version)}")
    print(
        f"  [{verdict('shell')}] app shell, icons excluded: {raw:,} bytes raw "
        f"({raw / 1024:.1f} KiB; budget {SHELL_BUDGET:,}), {packed:,} bytes gzip -9; "
        f"sources {source:,} bytes before minification"
    )
    for path, size in files:
        print(f"           {size:>7,}  {path}")
    online = online_size()
    print(
        f"         + on demand, not precached (screens that need the network): "
        f"{sum(size for _, size in online):,} bytes"
    )
    for path, size in online:
        print(f"           {size:>7,}  {path}")
    print(
        f"  [{verdict('first render')}] first render offline, cold start ({args.runs} "
        f"relaunches), ms since navigation start; budget < {FIRST_RENDER_BUDGET_MS:.0f} ms "
        "(median, painted):\n"
        f"           month-rendered (DOM complete): {summary(renders)}\n"
        f"           month-painted (next frame):    {summary(painted)}"
    )
    print(
        f"  [{verdict('tap')}] tap → next frame, {seeded} days of {len(year)} months stored:\n"
        f"           queued offline: {summary(queued)}\n"
        f"           synced:         {summary(synced)}; budget < {TAP_BUDGET_MS:.0f} ms (p95)"
    )
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
