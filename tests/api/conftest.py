"""Fixtures for the API tests: an app over a copy of the tiny store in :mod:`apidata`."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from apidata import SECRET, USERS, seed_store
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from api.settings import Settings


@pytest.fixture(scope="session")
def seeded_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded GeoPackage built once; tests get copies."""
    path = tmp_path_factory.mktemp("seed") / "seed.gpkg"
    seed_store(str(path))
    return path


@pytest.fixture
def db_path(seeded_gpkg: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seeded store for one test."""
    path = tmp_path / "gridpatrol.gpkg"
    shutil.copy(seeded_gpkg, path)
    return path


@pytest.fixture
def settings(db_path: Path) -> Settings:
    """Test settings over the copy (small limits so the bad-input tests are cheap)."""
    return Settings(db=str(db_path), jwt_secret=SECRET, max_body_bytes=64_000,
                    max_vertices=500, page_max=1000, login_attempts=3)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A TestClient running the app's lifespan."""
    with TestClient(create_app(settings)) as c:
        yield c


def make_auth(role: str) -> dict[str, str]:
    """``Authorization`` header for the test user of *role*."""
    return {"Authorization": "Bearer " + create_token(USERS[role], secret=SECRET, minutes=5)}


@pytest.fixture
def auth() -> Callable[[str], dict[str, str]]:
    """``auth(role)`` → the ``Authorization`` header of that role's test user."""
    return make_auth
