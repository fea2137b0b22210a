"""RFC 3161 timestamps from the timestamping authority configured by ``CARNET_TSA_URL``.

pyHanko's HTTP client builds the request (SHA-256 imprint, a nonce, ``certReq``), posts it as
``application/timestamp-query`` and checks the reply's status and nonce (RFC 3161 §2.4). The
token is then checked again by ``server.timestamp_token`` exactly as an auditor will, so a TSA
that answers with a token over the wrong hash is caught here, not in court.

No TSA configured (an empty URL) means no timestamp: the evidence says so and the verifier
prints that the time is only the server's word.
"""

import hashlib
import logging

from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper

from server.domain.errors import Unavailable
from server.settings import Settings
from server.timestamp_token import TokenInfo, TokenInvalid, verify_token

logger = logging.getLogger("carnet.timestamping")


class TimestampUnavailable(Unavailable):
    """The TSA could not be reached or answered badly: nothing was changed, try again."""

    code = "timestamp_unavailable"


def stamper(settings: Settings) -> TimeStamper | None:
    """pyHanko's client for the configured TSA, or None when none is configured."""
    if not settings.tsa_url:
        return None
    return HTTPTimeStamper(settings.tsa_url, timeout=settings.tsa_timeout_seconds)


async def timestamp(settings: Settings, data: bytes) -> tuple[bytes, TokenInfo] | None:
    """A timestamp token over SHA-256 of ``data``, checked; None when no TSA is configured.

    Raises:
        TimestampUnavailable: The TSA failed, or its token does not cover ``data``.
    """
    client = stamper(settings)
    if client is None:
        return None
    try:
        token = await client.async_timestamp(hashlib.sha256(data).digest(), "sha256")
        der = bytes(token.dump())
        return der, verify_token(der, covers=data)
    except TokenInvalid as error:
        logger.error("the TSA at %s answered an invalid token: %s", settings.tsa_url, error)
        raise TimestampUnavailable(f"the timestamping authority failed: {error}") from error
    except Exception as error:
        logger.warning("the TSA at %s failed: %s", settings.tsa_url, error)
        raise TimestampUnavailable(
            "the timestamping authority cannot be reached; nothing was changed, try again"
        ) from error
