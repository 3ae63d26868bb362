"""Tokens (JWT, HS256 via PyJWT) and the login rate limiter.

A token carries the user's name, role, team and township scope and expires after
``settings.token_minutes``.  Requests authenticate with ``Authorization: Bearer …``; the
pages also accept the ``gp_token`` cookie set by the login page (HttpOnly, SameSite=Strict).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import jwt

from api.errors import NotAuthenticatedError, RateLimitedError
from api.services.users import User

ALGORITHM = "HS256"
COOKIE = "gp_token"


def create_token(user: User, *, secret: str, minutes: int) -> str:
    """A signed access token for *user*, valid for *minutes*."""
    now = datetime.now(UTC)
    claims = {"sub": user.username, "role": user.role, "team": user.team,
              "tsp": user.township_id, "iat": now, "exp": now + timedelta(minutes=minutes),
              "typ": "access"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str) -> User:
    """The user a valid token names; :class:`NotAuthenticatedError` otherwise."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError:
        msg = "the token has expired: sign in again at POST /auth/token"
        raise NotAuthenticatedError(msg) from None
    except jwt.PyJWTError:
        msg = "the token is not valid: sign in at POST /auth/token"
        raise NotAuthenticatedError(msg) from None
    if claims.get("typ") != "access" or not isinstance(claims.get("role"), str):
        raise NotAuthenticatedError("the token is not an access token: sign in again")
    return User(str(claims["sub"]), claims["role"], claims.get("team"), claims.get("tsp"))


class LoginLimiter:
    """In-process sliding window of failed logins per (username, client address).

    Each worker process keeps its own window, so with *n* workers an attacker gets at most
    ``n × attempts`` tries per window.
    """

    def __init__(self, *, attempts: int, window_s: float, max_keys: int = 100_000) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def check(self, username: str, address: str) -> None:
        """Raise :class:`RateLimitedError` when the window is full."""
        now = time.monotonic()
        with self._lock:
            q = self._recent((username, address), now)
            if len(q) >= self.attempts:
                wait = max(1, int(q[0] + self.window_s - now) + 1)
                msg = (f"too many failed sign-ins for {username!r} from this address: "
                       f"try again in {wait} s")
                raise RateLimitedError(msg, headers={"Retry-After": str(wait)})

    def failed(self, username: str, address: str) -> None:
        """Count one failure."""
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > self.max_keys:  # bounded memory
                self._failures.clear()
            self._recent((username, address), now).append(now)

    def succeeded(self, username: str, address: str) -> None:
        """Forget the failures of this key."""
        with self._lock:
            self._failures.pop((username, address), None)
