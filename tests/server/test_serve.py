"""`carnet serve` as in production (uvicorn in its own process): what it announces and whom it
believes."""

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.live_server import cli, server_env, serving

pytestmark = pytest.mark.slow


def _post(url: str, *, forwarded_for: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        url,
        data=b"",
        method="POST",
        headers={"x-forwarded-for": forwarded_for, "x-forwarded-proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.mark.parametrize(("proxies", "limited"), [("", True), ("127.0.0.1", False)])
def test_the_server_names_no_software_and_believes_forwarded_headers_only_from_named_proxies(
    tmp_path: Path, proxies: str, limited: bool
) -> None:
    """Make sure the served API sends no `server` header, and that a loopback caller rotating
    X-Forwarded-For stays rate limited unless loopback is a named proxy (uvicorn believed any
    loopback caller)."""
    env = server_env(tmp_path, CARNET_AUTH_RATE_LIMIT="2", CARNET_TRUSTED_PROXIES=proxies)
    cli(env, "migrate")
    with serving(env, tmp_path) as target:
        # The login options need the CSRF token: a bodiless POST without it is refused with 403
        # by the CSRF check, after the rate limit counted it (middleware order).
        answers = [
            _post(f"{target.origin}/api/v1/auth/passkey-options", forwarded_for=f"198.51.100.{n}")
            for n in range(3)
        ]
    statuses = [status for status, _ in answers]
    assert all("server" not in {k.lower() for k in headers} for _, headers in answers)
    assert statuses == ([403, 403, 429] if limited else [403, 403, 403])
