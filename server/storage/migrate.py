"""Apply Piccolo migrations to a database.

Piccolo's runner finds its engine through the `PICCOLO_CONF` module, a process-wide setting,
so migrations run in a child process whose environment names the database. That keeps the
serving process, and every test, free to hold its own engine.
"""

import os
import subprocess
import sys


class MigrationFailed(RuntimeError):
    """The migration runner exited with an error."""


def run_migrations(database_url: str) -> str:
    """Apply every pending migration to `database_url`; return the runner's output."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PICCOLO_CONF": "server.storage.piccolo_conf",
    }
    result = subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "carnet"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or "The command failed" in result.stdout + result.stderr:
        msg = f"migrations failed on {database_url}:\n{result.stdout}\n{result.stderr}"
        raise MigrationFailed(msg)
    return result.stdout
