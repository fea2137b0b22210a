"""The `carnet` command line: its version, its help, and what it prints when there is nothing."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from server.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def _carnet(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARNET_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _parsers(
    parser: argparse.ArgumentParser, path: str = "carnet"
) -> list[tuple[str, argparse.ArgumentParser]]:
    """The parser and every subcommand's parser below it, with the command that reaches it."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, f"{path} {name}")
    return found


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_installed_version(tmp_path: Path, flag: str) -> None:
    """Make sure `carnet --version` names the version pyproject.toml installed."""
    result = _carnet(tmp_path, flag)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"carnet {metadata.version('carnet')}"


def test_every_option_has_a_help_text() -> None:
    """Make sure no option of any subcommand appears in `-h` without saying what it does."""
    silent = [
        f"{command} {'/'.join(action.option_strings) or action.dest}"
        for command, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert silent == []


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["serve"], ["--port PORT", "(default: 8000)", "(default: 127.0.0.1)"]),
        (["demo"], ["(default: 8000)", "load and print, do not serve"]),
        (["worker"], ["(default: 50)", "(default: 60.0)"]),
        (["create-admin"], ["(default: 000000000)"]),
        (["export", "fec"], ["(default: 411000)", "(default: 445710)"]),
    ],
)
def test_help_shows_the_defaults(
    command: list[str], shown: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Make sure an option with a default says it in the subcommand's help."""
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "-h"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for expected in shown:
        assert expected in text
    assert "(default: None)" not in text


def test_outbox_says_so_when_it_is_empty(tmp_path: Path) -> None:
    """Make sure `carnet outbox` on a fresh database prints a sentence, not nothing."""
    assert _carnet(tmp_path, "migrate").returncode == 0
    result = _carnet(tmp_path, "outbox")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "The outbox is empty: no reminder or notification has been queued yet."
    )
