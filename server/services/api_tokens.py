"""A firm's API tokens: created by an administrator, shown once, kept hashed, scoped, expiring,
revocable, with their last use; creation and revocation go to the firm's audit chain.

A token acts with the rights of the administrator who created it, narrowed to its scopes and to
the endpoints open to tokens (docs/api.md "API tokens"); it stops working when that person is no
longer an active administrator, so a token never outlives the trust it was given.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.domain import integrations as rules
from server.domain.access import ensure_role
from server.domain.errors import FieldError, Forbidden, InvalidInput, NotAuthenticated, NotFound
from server.domain.model import Person
from server.domain.roles import Actor, Role
from server.services import audit_log, firms
from server.storage import integration_store as store
from server.storage import repositories as repo

TOUCH_INTERVAL = timedelta(minutes=1)
"""Last use is written at most this often, so a busy script's reads do not all become writes."""


class AmbiguousCredentials(NotAuthenticated):
    """A request carried both a session cookie and an API token."""

    code = "ambiguous_credentials"


class MissingScope(Forbidden):
    """The token lacks the scope the endpoint needs."""

    code = "missing_scope"


@dataclass(frozen=True)
class NewToken:
    """A created token: its record, and the token itself, shown this once."""

    record: store.TokenRow
    token: str


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(
            "invalid token name", errors=(FieldError("name", "invalid", "1 to 100 characters"),)
        )
    return name


async def create(
    actor: Actor, *, name: str, scopes: list[str], days: int, now: datetime
) -> NewToken:
    """Create a token for the actor's organisation (administrators only)."""
    ensure_role(actor, Role.ADMIN)
    name = _check_name(name)
    parsed = rules.parse_scopes(scopes)
    if not 1 <= days <= rules.TOKEN_DAYS_MAX:
        raise InvalidInput(
            "invalid lifetime",
            errors=(FieldError("days", "out_of_range", f"1 to {rules.TOKEN_DAYS_MAX} days"),),
        )
    token = rules.TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with repo.write_transaction():
        record = await store.insert_token(
            organisation_id=actor.organisation_id,
            name=name,
            token_hash=rules.token_hash(token),
            hint=token[: len(rules.TOKEN_PREFIX) + 4],
            scopes=[s.value for s in parsed],
            created_by=actor.person_id,
            now=now,
            expires_at=now + timedelta(days=days),
        )
        await audit_log.record_organisation_event(
            organisation_id=actor.organisation_id,
            kind="api_token.created",
            subject=f"api_token:{record.id}",
            actor_id=actor.person_id,
            data={
                "name": name,
                "scopes": sorted(s.value for s in parsed),
                "expires_at": record.expires_at.isoformat(),
            },
            at=now,
        )
    return NewToken(record=record, token=token)


async def list_tokens(actor: Actor) -> list[store.TokenRow]:
    ensure_role(actor, Role.ADMIN)
    return await store.tokens_of(actor.organisation_id)


async def revoke(actor: Actor, *, token_id: str, now: datetime) -> store.TokenRow:
    """Revoke a token of the actor's organisation; revoking it again changes nothing."""
    ensure_role(actor, Role.ADMIN)
    async with repo.write_transaction():
        found = await store.token_by_id(organisation_id=actor.organisation_id, token_id=token_id)
        if found is None:
            msg = "no such API token"
            raise NotFound(msg)
        if await store.revoke_token(
            organisation_id=actor.organisation_id, token_id=token_id, by=actor.person_id, now=now
        ):
            await audit_log.record_organisation_event(
                organisation_id=actor.organisation_id,
                kind="api_token.revoked",
                subject=f"api_token:{token_id}",
                actor_id=actor.person_id,
                data={"name": found.name},
                at=now,
            )
        revoked = await store.token_by_id(organisation_id=actor.organisation_id, token_id=token_id)
    assert revoked is not None
    return revoked


@dataclass(frozen=True)
class TokenSession:
    """Who a token request acts as."""

    actor: Actor
    person: Person
    token: store.TokenRow


async def authenticate(*, token: str, needed: str | None, now: datetime) -> TokenSession:
    """The token's session for an endpoint needing scope ``needed`` (None: not open to tokens).

    Raises:
        NotAuthenticated: unknown, expired or revoked token, or its creator is no longer an
            active administrator.
        Forbidden: the endpoint is not open to tokens. MissingScope: the token lacks the scope.
    """
    found = (
        await store.token_by_hash(rules.token_hash(token))
        if rules.looks_like_token(token)
        else None
    )
    if found is None or not firms.belongs(found.organisation_id):
        # Another firm's token is told apart from no token at all by nothing
        # (docs/multi-tenant.md).
        msg = "this API token is not valid"
        raise NotAuthenticated(msg)
    if found.revoked_at is not None:
        msg = "this API token was revoked"
        raise NotAuthenticated(msg)
    if found.expires_at <= now:
        msg = "this API token has expired"
        raise NotAuthenticated(msg)
    creator = await repo.get_person(found.created_by)
    if creator is None or not creator.active or Role.ADMIN not in creator.roles:
        msg = "the administrator who created this API token no longer is one"
        raise NotAuthenticated(msg)
    if needed is None:
        msg = "this endpoint is not open to API tokens: sign in with a passkey"
        raise Forbidden(msg)
    if needed not in found.scopes:
        raise MissingScope(
            f"this API token lacks the scope {needed}",
            errors=(FieldError("scope", "missing_scope", needed),),
        )
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_INTERVAL:
        await store.touch_token(token_id=found.id, now=now)
    actor = Actor(
        person_id=creator.id,
        organisation_id=found.organisation_id,
        roles=frozenset({Role.ADMIN}),
    )
    return TokenSession(actor=actor, person=creator, token=found)
