"""The benches' CPU meter (`bench.harness.process_cpu`, `tree_cpu`) against processes of ours.

The benches judge issue 12's targets (a month push ≤ 2 ms of server CPU) on this meter, so it
must see every thread's CPU, the threads that have ended too (a server's thread pools come and
go), its worker processes, and read finer than the 10 ms clock tick of /proc/<pid>/stat.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bench.harness import process_cpu, stat_cpu, tree_cpu

# Spins in a new thread for the CPU seconds it is sent, then waits for the thread to be gone
# from the kernel's list (join() returns a moment before) and says so.
SPINNER = """
import os, sys, threading, time

def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass

print("ready", flush=True)
for line in sys.stdin:
    worker = threading.Thread(target=spin, args=(float(line),))
    worker.start()
    worker.join()
    while len(os.listdir("/proc/self/task")) > 1:
        time.sleep(0.001)
    print("spun", flush=True)
"""

# A "server" whose work is done by a worker process of its own, as uvicorn --workers does.
SUPERVISOR = f"""
import subprocess, sys
subprocess.run([sys.executable, "-c", {SPINNER!r}])
"""


@contextmanager
def running(code: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def spin(process: subprocess.Popen[str], seconds: float) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{seconds}\n")
    process.stdin.flush()
    assert process.stdout.readline() == "spun\n"


def test_the_meter_sees_the_cpu_of_a_thread_that_has_ended() -> None:
    """A thread spins for 50 ms of CPU and ends before the second reading: summing the living
    threads' schedstat would miss it; the process's CPU clock keeps it."""
    with running(SPINNER) as process:
        before = process_cpu(process.pid)
        spin(process, 0.050)
        seen = process_cpu(process.pid) - before
    assert seen >= 0.040, f"the meter saw {seen * 1000:.2f} ms of a 50 ms spin"


def test_the_server_meter_sees_its_worker_processes() -> None:
    """The worker, a child of the measured process, spins 50 ms in a thread: `tree_cpu` of the
    parent counts it while the worker lives (the parent's own clock does not)."""
    with running(SUPERVISOR) as supervisor:
        before = tree_cpu(supervisor.pid)
        own_before = process_cpu(supervisor.pid)
        spin(supervisor, 0.050)
        seen = tree_cpu(supervisor.pid) - before
        own = process_cpu(supervisor.pid) - own_before
    assert seen >= 0.040, f"the meter saw {seen * 1000:.2f} ms of the worker's 50 ms spin"
    assert own < 0.010, "the supervisor itself did nothing: the spin was its worker's"


def test_the_meter_reads_finer_than_a_clock_tick() -> None:
    """3 ms of CPU reads as 3 ms, not as 0 or 10 ms (a clock tick, all that /proc/<pid>/stat
    can say): one at-a-time pushes of 2–3 ms each are told apart only so."""
    with running(SPINNER) as process:
        before, ticks_before = process_cpu(process.pid), stat_cpu(process.pid)
        spin(process, 0.003)
        seen = process_cpu(process.pid) - before
        ticks = stat_cpu(process.pid) - ticks_before
    assert 0.0025 <= seen < 0.008, (
        f"the meter saw {seen * 1000:.3f} ms of a 3 ms spin (stat's ticks: {ticks * 1000:.0f} ms)"
    )
