"""Wire schemas of single sign-on (docs/sso.md): the sign-in screen's offer and the firm's
provider settings."""

from typing import Annotated

from pydantic import Field, StringConstraints

from server.api.schemas import StrictBool, Wire
from sync.wire import Printable

Line = Annotated[str, Printable, StringConstraints(max_length=500)]


class SsoOfferOut(Wire):
    """Whether the sign-in screen offers the firm's provider, and under which name."""

    available: bool
    display_name: str | None = None
    sso_only: bool = Field(
        default=False, description="Staff sign in through the provider only (admins excepted)."
    )


class SsoSettingsIn(Wire):
    """The firm's provider, saved whole. ``client_secret``: omitted or null keeps the stored
    one, an empty string clears it."""

    display_name: Annotated[str, Printable, StringConstraints(max_length=60)] = Field(
        description="Shown on the sign-in button, e.g. 'Microsoft', 'Google', 'Keycloak'."
    )
    issuer: Line = Field(description="The issuer URL; discovery is read under it.")
    client_id: Annotated[str, Printable, StringConstraints(max_length=300)]
    client_secret: Annotated[str, Printable, StringConstraints(max_length=2000)] | None = None
    allowed_domains: list[Annotated[str, Printable, StringConstraints(max_length=253)]] = Field(
        default_factory=list, max_length=20, description="E-mail domains of the staff."
    )
    enabled: StrictBool = False
    sso_only: StrictBool = False


class SsoSettingsOut(Wire):
    """The settings as stored; the client secret is never sent back, only whether one is set."""

    display_name: str
    issuer: str
    client_id: str
    client_secret_set: bool
    allowed_domains: list[str]
    enabled: bool
    sso_only: bool
    redirect_uri: str = Field(description="The callback address to register at the provider.")
