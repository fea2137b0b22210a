"""`carnet export fec|payroll` on a demo database, the files compared with the API's bytes."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from litestar import Litestar

from server.services import exports
from tests.invoicing.helpers import demo


async def test_export_commands_write_the_same_bytes_as_the_service(
    app: Litestar, database_url: str, tmp_path: Path
) -> None:
    d = await demo()
    _, expected = await exports.payroll_export(actor=d.admin, month="2026-09", codes="CP=CP01")
    env = {**os.environ, "DATABASE_URL": database_url, "CARNET_SECRET_KEY": "x" * 48}
    result = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "server",
            "export",
            "payroll",
            "--month",
            "2026-09",
            "--codes",
            "CP=CP01",
            "-o",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "variables-paie-2026-09.csv").read_bytes() == expected
    empty = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "server",
            "export",
            "fec",
            "--start",
            "2026-10-01",
            "--end",
            "2026-10-31",
            "-o",
            "-",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert empty.returncode == 2 and "nothing to export" in empty.stderr
