"""Shared fixtures: stores on both backends, the demo store, paths to the real data.

PostGIS: tests marked ``postgis`` (and the ``postgis`` half of the ``any_store`` fixture) run
against the URL in ``GRIDPATROL_TEST_POSTGIS`` — CI always gives one — each test in a schema of
its own that is dropped afterwards.  Given and unreachable, they fail.  When the variable is
not set at all (a developer's quick run), they are deselected, and a line says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from data import GEM_MINES as GEM_CSV
from data import OSM_BAYREUTH, OSM_LIECHTENSTEIN

__all__ = ["GEM_CSV", "OSM_BAYREUTH", "OSM_LIECHTENSTEIN"]
POSTGIS_ENV = "GRIDPATROL_TEST_POSTGIS"


def postgis_base() -> str | None:
    """The PostGIS URL tests run against, if any."""
    return os.environ.get(POSTGIS_ENV) or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect PostGIS tests only when no PostGIS URL is configured at all."""
    if postgis_base():
        return
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        needs = (item.get_closest_marker("postgis") is not None
                 or "postgis" in params.values()
                 or "postgis_url" in getattr(item, "fixturenames", ()))
        (drop if needs else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        config.issue_config_time_warning(
            pytest.PytestConfigWarning(f"{POSTGIS_ENV} not set: {len(drop)} PostGIS tests "
                                       "deselected (CI sets it)"), stacklevel=2)


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}schema={schema}"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The road-network cache of this test session (never the user's own)."""
    old = os.environ.get("XDG_CACHE_HOME")
    path = tmp_path_factory.mktemp("xdg-cache")
    os.environ["XDG_CACHE_HOME"] = str(path)
    yield path
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture
def postgis_url() -> Iterator[str]:
    """A PostGIS URL with a fresh schema, dropped after the test."""
    base = postgis_base()
    if base is None:
        pytest.fail(f"{POSTGIS_ENV} is not set")
    import psycopg

    from layers.postgis import split_url

    schema = "t_" + uuid.uuid4().hex[:12]
    yield _schema_url(base, schema)
    libpq, _ = split_url(base)
    with psycopg.connect(libpq, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def gpkg_path(tmp_path: Path) -> Path:
    """Where a test's GeoPackage store lives."""
    return tmp_path / "store.gpkg"


@pytest.fixture(params=["gpkg", "postgis"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    """An empty store on each backend: the contract tests run on both."""
    from layers.store import open_store

    if request.param == "gpkg":
        store = open_store(tmp_path / "store.gpkg")
    else:
        store = open_store(request.getfixturevalue("postgis_url"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once per session from the shipped data."""
    from api.services.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    run_demo(out, progress=False)
    return out / "gridpatrol.gpkg"


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    """Headless Debian Chromium for the real-browser tests (fails if it is missing)."""
    from playwright.sync_api import sync_playwright

    from api.bench.browser import launch_chromium

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()
