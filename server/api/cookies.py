"""The session cookie: HttpOnly, SameSite=Lax, Secure outside plain-HTTP localhost."""

from typing import Any, TypeVar

from litestar import Response
from litestar.datastructures import Cookie

from server.settings import Settings

T = TypeVar("T")


def with_session(response: Response[T], *, settings: Settings, token: str) -> Response[T]:
    response.set_cookie(
        Cookie(
            key=settings.session_cookie_name,
            value=token,
            path="/",
            httponly=True,
            secure=settings.secure_cookies,
            samesite="lax",
            max_age=int(settings.session_max_age.total_seconds()),
        )
    )
    return response


def without_session(response: Response[Any], *, settings: Settings) -> Response[Any]:
    response.delete_cookie(settings.session_cookie_name, path="/")
    return response
