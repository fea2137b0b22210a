"""One typed settings object, read from the environment in one place.

`create_app(settings)` takes it explicitly, so tests build their own and nothing reads the
environment at import time, which would force tests to set the environment before any import.
"""

import ipaddress
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    """Carnet's configuration. Environment names are given in each field's description."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(
        default=Path("data"), description="CARNET_DATA_DIR: where the SQLite file and keys live."
    )
    database_url: str = Field(
        default="",
        description="DATABASE_URL: sqlite:///relative.sqlite, sqlite:////abs.sqlite or "
        "postgresql://user@host:port/db. Empty means a SQLite file in data_dir.",
    )
    secret_key: str = Field(
        min_length=32,
        description="CARNET_SECRET_KEY: signs CSRF tokens. At least 32 characters.",
    )
    origin: str = Field(
        default="http://localhost:8000",
        description="CARNET_ORIGIN: the public origin of the app, as the browser sees it.",
    )
    rp_id: str = Field(
        default="localhost",
        description="CARNET_RP_ID: the WebAuthn relying-party id, the origin's host or a suffix.",
    )
    rp_name: str = Field(default="Carnet", description="CARNET_RP_NAME: shown by authenticators.")
    demo_mode: bool = Field(
        default=False,
        description="CARNET_DEMO_MODE: allows the password-less demo login, and only from "
        "localhost.",
    )
    auto_migrate: bool = Field(
        default=True, description="CARNET_AUTO_MIGRATE: apply migrations at start-up."
    )
    session_idle_minutes: int = Field(
        default=60 * 8, ge=1, description="CARNET_SESSION_IDLE_MINUTES: idle timeout."
    )
    session_max_hours: int = Field(
        default=24 * 14, ge=1, description="CARNET_SESSION_MAX_HOURS: absolute session lifetime."
    )
    invitation_days: int = Field(
        default=7, ge=1, le=60, description="CARNET_INVITATION_DAYS: invitation link lifetime."
    )
    trusted_proxies: str = Field(
        default="",
        description="CARNET_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR) of "
        "the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. Empty "
        "(the default) believes no one: the client address is the connection's.",
    )
    trust_forwarded_host: bool = Field(
        default=False,
        description="CARNET_TRUST_FORWARDED_HOST: name the firm of a request by X-Forwarded-Host "
        "instead of Host (docs/multi-tenant.md). Set it only behind a proxy that writes that "
        "header itself: from a client it would choose the firm.",
    )
    auth_rate_limit_per_minute: int = Field(
        default=30,
        ge=1,
        description="CARNET_AUTH_RATE_LIMIT: requests a minute per client address on the "
        "login and invitation endpoints.",
    )
    sso_allow_http_loopback: bool = Field(
        default=False,
        description="CARNET_SSO_ALLOW_HTTP_LOOPBACK: accept an OpenID Connect provider on "
        "http://localhost or 127.0.0.1 (tests, a local Keycloak); real providers are https.",
    )
    sso_allow_private_networks: bool = Field(
        default=False,
        description="CARNET_SSO_ALLOW_PRIVATE_NETWORKS: let firms' OpenID Connect providers live "
        "on private or link-local addresses (an on-premises Keycloak). Off, the server never "
        "calls its own network on an address an administrator typed.",
    )

    vapid_private_key_file: str = Field(
        default="",
        description="CARNET_VAPID_PRIVATE_KEY_FILE: PEM file of the Web Push (VAPID) key. Empty "
        "means data_dir/vapid_private_key.pem, generated on first start.",
    )
    vapid_subject: str = Field(
        default="mailto:admin@localhost",
        description="CARNET_VAPID_SUBJECT: contact the push services may use (mailto: or https:).",
    )
    push_allow_http_localhost: bool = Field(
        default=False,
        description="CARNET_PUSH_ALLOW_HTTP_LOCALHOST: accept http://localhost and 127.0.0.1 push "
        "endpoints (tests only; real push services are https).",
    )
    push_service_hosts: str = Field(
        default="fcm.googleapis.com,push.services.mozilla.com,web.push.apple.com,"
        "notify.windows.com",
        description="CARNET_PUSH_SERVICE_HOSTS: comma-separated hosts (or parent domains) a push "
        "subscription may point to, so the server never posts to an address a user chose "
        "(SSRF). Empty accepts any https host.",
    )
    smtp_host: str = Field(default="", description="CARNET_SMTP_HOST: empty disables email.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="CARNET_SMTP_PORT.")
    smtp_tls: str = Field(
        default="starttls",
        pattern="^(none|starttls|tls)$",
        description="CARNET_SMTP_TLS: none, starttls or tls (implicit TLS, port 465).",
    )
    smtp_username: str = Field(default="", description="CARNET_SMTP_USERNAME.")
    smtp_password: str = Field(default="", description="CARNET_SMTP_PASSWORD.")
    mail_from: str = Field(
        default="Carnet <carnet@localhost>", description="CARNET_MAIL_FROM: the sender."
    )
    notifications_in_process: bool = Field(
        default=True,
        description="CARNET_NOTIFICATIONS_IN_PROCESS: run the reminder scheduler and the outbox "
        "worker inside the server (`carnet worker` runs them in their own process).",
    )
    notification_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="CARNET_NOTIFICATION_POLL_SECONDS: how often the worker looks for due items.",
    )

    tsa_url: str = Field(
        default="",
        description="CARNET_TSA_URL: the RFC 3161 timestamping authority (http or https URL) that "
        "timestamps every signature's evidence, passkey registration, sealed PDF and audit "
        "anchor. Empty: no trusted timestamp (the time is only the server's word).",
    )
    tsa_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="CARNET_TSA_TIMEOUT_SECONDS."
    )
    seal_certificate_file: str = Field(
        default="",
        description="CARNET_SEAL_CERTIFICATE_FILE: PEM certificate (chain after it) of the firm's "
        "electronic seal, which seals signed CRA PDFs (PAdES). Empty: a self-signed demo seal "
        "is generated in data_dir on first use, and the PDF says it is one.",
    )
    seal_key_file: str = Field(
        default="", description="CARNET_SEAL_KEY_FILE: PEM private key of the seal (unencrypted)."
    )
    audit_anchor_minutes: float = Field(
        default=60.0,
        gt=0,
        description="CARNET_AUDIT_ANCHOR_MINUTES: how often each firm's audit chain head is "
        "timestamped when it moved (also after every signature).",
    )

    @field_validator("tsa_url")
    @classmethod
    def _tsa_is_http(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in {"http", "https"}:
            msg = f"tsa_url {value!r} must be an http or https URL"
            raise ValueError(msg)
        return value

    @field_validator("origin")
    @classmethod
    def _origin_is_bare(cls, value: str) -> str:
        parts = urlsplit(value)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.netloc
            or parts.path not in {"", "/"}
        ):
            msg = f"origin {value!r} must be scheme://host[:port] with no path"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in _items(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                msg = f"trusted proxy {item!r} is not an IP address or network (CIDR)"
                raise ValueError(msg) from None
        return value

    @property
    def proxies(self) -> list[str]:
        """The trusted proxies, one address or network each."""
        return _items(self.trusted_proxies)

    @property
    def hsts(self) -> bool:
        """Browsers are told to come back over HTTPS only when the origin is HTTPS."""
        return self.secure_cookies

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file inside `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'carnet.sqlite').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry `Secure` everywhere except plain-HTTP localhost development."""
        return urlsplit(self.origin).scheme == "https"

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix pins the cookie to this origin (ASVS 3.3.3); browsers only accept it
        # with Secure, so plain-HTTP localhost uses a bare name.
        return "__Host-carnet-session" if self.secure_cookies else "carnet-session"

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)

    @property
    def session_max_age(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from environment variables (`os.environ` by default).

        Without CARNET_SECRET_KEY a key is generated once and kept in `data_dir/secret_key`, so
        a fresh checkout starts with no set-up and restarts keep CSRF tokens valid.
        """
        env = os.environ if env is None else env
        names = {
            "data_dir": "CARNET_DATA_DIR",
            "database_url": "DATABASE_URL",
            "secret_key": "CARNET_SECRET_KEY",
            "origin": "CARNET_ORIGIN",
            "rp_id": "CARNET_RP_ID",
            "rp_name": "CARNET_RP_NAME",
            "demo_mode": "CARNET_DEMO_MODE",
            "auto_migrate": "CARNET_AUTO_MIGRATE",
            "session_idle_minutes": "CARNET_SESSION_IDLE_MINUTES",
            "session_max_hours": "CARNET_SESSION_MAX_HOURS",
            "invitation_days": "CARNET_INVITATION_DAYS",
            "auth_rate_limit_per_minute": "CARNET_AUTH_RATE_LIMIT",
            "trusted_proxies": "CARNET_TRUSTED_PROXIES",
            "trust_forwarded_host": "CARNET_TRUST_FORWARDED_HOST",
            "vapid_private_key_file": "CARNET_VAPID_PRIVATE_KEY_FILE",
            "vapid_subject": "CARNET_VAPID_SUBJECT",
            "push_allow_http_localhost": "CARNET_PUSH_ALLOW_HTTP_LOCALHOST",
            "push_service_hosts": "CARNET_PUSH_SERVICE_HOSTS",
            "smtp_host": "CARNET_SMTP_HOST",
            "smtp_port": "CARNET_SMTP_PORT",
            "smtp_tls": "CARNET_SMTP_TLS",
            "smtp_username": "CARNET_SMTP_USERNAME",
            "smtp_password": "CARNET_SMTP_PASSWORD",
            "mail_from": "CARNET_MAIL_FROM",
            "notifications_in_process": "CARNET_NOTIFICATIONS_IN_PROCESS",
            "notification_poll_seconds": "CARNET_NOTIFICATION_POLL_SECONDS",
            "tsa_url": "CARNET_TSA_URL",
            "tsa_timeout_seconds": "CARNET_TSA_TIMEOUT_SECONDS",
            "seal_certificate_file": "CARNET_SEAL_CERTIFICATE_FILE",
            "seal_key_file": "CARNET_SEAL_KEY_FILE",
            "audit_anchor_minutes": "CARNET_AUDIT_ANCHOR_MINUTES",
            "sso_allow_http_loopback": "CARNET_SSO_ALLOW_HTTP_LOOPBACK",
            "sso_allow_private_networks": "CARNET_SSO_ALLOW_PRIVATE_NETWORKS",
        }
        values: dict[str, str] = {field: env[name] for field, name in names.items() if name in env}
        if "secret_key" not in values:
            values["secret_key"] = _stored_secret(Path(values.get("data_dir", "data")))
        return cls.model_validate(values)


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _stored_secret(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
