"""Service settings, read from ``GRIDPATROL_``-prefixed environment variables.

Built once by the entry point (``gridpatrol serve`` or a test) and passed to
:func:`api.app.create_app`; nothing here is created at import time.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from layers.store import DEFAULT_DB


class Settings(BaseSettings):
    """Every knob of the web service.

    Environment: ``GRIDPATROL_DB``, ``GRIDPATROL_JWT_SECRET``, ``GRIDPATROL_TOKEN_MINUTES`` …
    (the field name in upper case after the prefix).
    """

    model_config = SettingsConfigDict(env_prefix="GRIDPATROL_", extra="ignore", frozen=True)

    db: str = Field(DEFAULT_DB, description="store: a .gpkg path or postgresql:// URL")
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 signing key; when unset, one is generated and kept in the store")
    token_minutes: int = Field(60, ge=1, le=7 * 24 * 60, description="access-token lifetime")
    login_attempts: int = Field(5, ge=1, description="failed logins allowed per window")
    login_window_s: float = Field(60.0, gt=0, description="rate-limit window, seconds")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="request bodies above: 413")
    max_vertices: int = Field(20_000, ge=4, description="vertices allowed in one geometry")
    page_default: int = Field(100, ge=1, description="items per page when no limit is given")
    page_max: int = Field(10_000, ge=1, description="largest limit accepted")
    checkin_radius_m: float = Field(300.0, gt=0, description="check-in distance to the site, m")
    cache_dir: str | None = Field(
        None, description="private cache of road networks and travel times (default "
        "$XDG_CACHE_HOME/gridpatrol, else ~/.cache/gridpatrol; made mode 0700)")
    cookie_secure: bool = Field(False, description="mark the login cookie Secure (behind HTTPS)")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)

    @field_validator("db")
    @classmethod
    def _db_not_empty(cls, value: str) -> str:
        if not value.strip():
            msg = "GRIDPATROL_DB is empty: give a .gpkg path or a postgresql:// URL"
            raise ValueError(msg)
        return value
