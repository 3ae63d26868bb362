"""Users, roles, password hashing (argon2 via pwdlib) and the per-store token signing key.

Roles: ``admin`` (everything), ``planner`` (grids, of one township when ``township_id`` is
set), ``inspector`` (their ``team``'s dispatched plans and their visits), ``leader``
(coverage and dispatched history of their assignments), ``unit`` (a responsible unit,
责任单位, named by ``team``: reports progress on its own rectification cases).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal, get_args

import pandas as pd
from pwdlib import PasswordHash

from layers.errors import FeatureNotFoundError, ValidationError
from layers.store import Store

Role = Literal["admin", "planner", "inspector", "leader", "unit"]
ROLES: tuple[str, ...] = get_args(Role)
_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    """A signed-in user as the service sees them (no password hash)."""

    username: str
    role: str
    team: str | None = None
    township_id: str | None = None


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def _opt(value: object) -> str | None:
    return None if value is None or pd.isna(value) or str(value) == "" else str(value)


def _user(row: pd.Series) -> User:
    return User(str(row["username"]), str(row["role"]), _opt(row.get("team")),
                _opt(row.get("township_id")))


def add_user(store: Store, *, username: str, role: str, password: str,
             team: str | None = None, township_id: str | None = None,
             replace: bool = False) -> User:
    """Create (or with *replace*, update) a user; the password is stored argon2-hashed.

    Raises :class:`~layers.errors.ValidationError` for a bad name, role or password, an
    inspector without a team, or an existing name without *replace*.
    """
    problems = []
    if not _NAME.match(username):
        problems.append(f"username {username!r}: use 1-64 letters, digits, '_', '.', '@', '-'")
    if role not in ROLES:
        problems.append(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        problems.append(f"password: at least {MIN_PASSWORD} characters")
    if role == "inspector" and not team:
        problems.append("an inspector needs --team (the team plans are dispatched to)")
    if role == "unit" and not team:
        problems.append("a unit needs --team (the responsible unit's name, as cases name it)")
    if problems:
        raise ValidationError(f"cannot add user {username!r}: " + "; ".join(problems), problems)
    row = pd.DataFrame([{"username": username, "role": role,
                         "password_hash": _hasher().hash(password), "team": team,
                         "township_id": township_id}])
    if replace:
        store.upsert("users", row)
    else:
        store.append("users", row)
    return User(username, role, team, township_id)


def get_user(store: Store, username: str) -> User:
    """The user called *username*; :class:`FeatureNotFoundError` if there is none."""
    return _user(store.get("users", username))


def list_users(store: Store) -> list[User]:
    """Every user, in creation order."""
    return [_user(r) for _, r in store.read("users").iterrows()]


def authenticate(store: Store, *, username: str, password: str) -> User | None:
    """The user when *password* matches, else ``None`` (same work whether the name exists)."""
    frame = store.read("users", ids=[username]) if _NAME.match(username) else pd.DataFrame()
    if frame.empty:
        _hasher().verify(password, _dummy_hash())  # equal timing for unknown names
        return None
    row = frame.iloc[0]
    if not _hasher().verify(password, str(row["password_hash"])):
        return None
    return _user(row)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def signing_secret(store: Store) -> str:
    """The store's token signing key: read it, or generate it once and keep it in the store.

    Kept in the ``service_secrets`` layer (id ``jwt``), so every worker and every restart
    signs with the same key and tokens survive a restart.  Two workers starting at once both
    try to insert; the loser reads the winner's key.
    """
    try:
        return str(store.get("service_secrets", "jwt")["value"])
    except FeatureNotFoundError:
        pass
    row = pd.DataFrame([{"secret_id": "jwt", "value": secrets.token_urlsafe(48),
                         "created_at": datetime.now(UTC)}])
    try:
        store.append("service_secrets", row)
    except ValidationError:  # another worker won the race
        pass
    return str(store.get("service_secrets", "jwt")["value"])
