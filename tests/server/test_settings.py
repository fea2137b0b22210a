"""Settings come from the environment in one typed object, and bad values fail clearly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.settings import Settings
from server.storage.engine import UnsupportedDatabaseUrl, engine_from_url

ROOT = Path(__file__).resolve().parents[2]


def test_settings_are_read_from_the_given_environment(tmp_path: Path) -> None:
    """Make sure each variable lands in its field, with types converted."""
    settings = Settings.from_env(
        {
            "CARNET_DATA_DIR": str(tmp_path),
            "CARNET_SECRET_KEY": "k" * 40,
            "CARNET_ORIGIN": "https://carnet.example.fr",
            "CARNET_RP_ID": "carnet.example.fr",
            "CARNET_DEMO_MODE": "false",
            "CARNET_INVITATION_DAYS": "3",
            "CARNET_TRUSTED_PROXIES": "10.0.0.5, 172.16.0.0/12,::1",
            "DATABASE_URL": "postgresql://carnet@db/carnet",
        }
    )
    assert settings.proxies == ["10.0.0.5", "172.16.0.0/12", "::1"]
    assert settings.hsts is True
    assert settings.origin == "https://carnet.example.fr"
    assert settings.invitation_days == 3
    assert settings.secure_cookies is True
    assert settings.session_cookie_name == "__Host-carnet-session"
    assert settings.resolved_database_url == "postgresql://carnet@db/carnet"


def test_missing_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    """Make sure a fresh data directory gets a secret that survives a restart."""
    first = Settings.from_env({"CARNET_DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"CARNET_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.resolved_database_url == f"sqlite:///{(tmp_path / 'carnet.sqlite').resolve()}"
    assert first.proxies == [] and first.hsts is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CARNET_ORIGIN", "localhost:8000"),
        ("CARNET_ORIGIN", "https://carnet.example.fr/app"),
        ("CARNET_INVITATION_DAYS", "0"),
        ("CARNET_INVITATION_DAYS", "soon"),
        ("CARNET_SECRET_KEY", "short"),
        ("CARNET_TRUSTED_PROXIES", "*"),
        ("CARNET_TRUSTED_PROXIES", "proxy.internal"),
    ],
)
def test_bad_setting_is_refused_naming_it(tmp_path: Path, variable: str, value: str) -> None:
    """Make sure a wrong value stops start-up with the field named."""
    env = {"CARNET_DATA_DIR": str(tmp_path), "CARNET_SECRET_KEY": "k" * 40, variable: value}
    with pytest.raises(ValidationError) as error:
        Settings.from_env(env)
    assert error.value.errors()[0]["loc"][0] in {
        "origin",
        "invitation_days",
        "secret_key",
        "trusted_proxies",
    }


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/carnet", "postgresql+asyncpg://x@y/z", "carnet.sqlite"]
)
def test_unsupported_database_url_is_refused(url: str) -> None:
    """Make sure an engine Carnet does not run on is named in the error."""
    with pytest.raises(UnsupportedDatabaseUrl, match="DATABASE_URL"):
        engine_from_url(url)


def test_cli_demo_loads_once_and_prints_a_login_per_person(tmp_path: Path) -> None:
    """Make sure `carnet demo --no-serve` migrates, loads the demo once, and prints its links."""
    env = {
        **os.environ,
        "CARNET_DATA_DIR": str(tmp_path),
        "CARNET_ORIGIN": "http://localhost:8123",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "server", "demo", "--no-serve"]
    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "données créées" in first.stdout
    links = [line for line in first.stdout.splitlines() if "/#demo=" in line]
    assert len(links) == 8  # admin, two managers, four consultants, one client signer
    assert all("http://localhost:8123/#demo=" in line for line in links)
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "données existantes" in second.stdout


def test_cli_invite_refuses_a_duplicate_email_without_a_traceback(tmp_path: Path) -> None:
    """Make sure the CLI reports a domain refusal in one line and exits 2."""
    env = {**os.environ, "CARNET_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)

    def carnet(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )

    assert carnet("migrate").returncode == 0
    created = carnet("create-admin", "--email", "a@esn.test", "--name", "A", "--organisation", "E")
    assert created.returncode == 0
    assert "/#invite=" in created.stdout.splitlines()[-1]
    again = carnet("invite", "--email", "A@esn.test", "--name", "A", "--role", "consultant")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
