"""``GET /plans`` pages in the store: the scope (any of several filters), the order (newest
dates first) and the page are SQL on both backends, and the pages join up to the whole."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
import shapely

from api.services.plans_api import list_plans, scopes
from api.services.users import User
from layers.store import Store

PLANNER = User("li", "planner")


def _plans(store: Store) -> list[dict]:
    rows = [{"plan_id": f"p{i:02d}", "date": f"2025-04-{1 + i % 7:02d}",
             "team": f"team-{i % 3}", "status": "dispatched" if i % 2 else "draft",
             "stops": [{"site_id": "s"}] * (i % 4), "created_by": "li" if i % 3 == 0 else "wu",
             "created_at": dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
             "geometry": shapely.LineString([(11, 50), (11.01, 50.01)])} for i in range(20)]
    store.append("plans", gpd.GeoDataFrame(rows, geometry="geometry", crs=4326))
    return rows


def test_the_pages_are_the_scope_sorted(any_store: Store) -> None:
    rows = _plans(any_store)
    mine = [r for r in rows if r["created_by"] == "li" or r["status"] == "dispatched"]
    expected = [r["plan_id"] for r in sorted(mine, key=lambda r: (
        -int(r["date"].replace("-", "")), r["plan_id"]))]
    pages = [list_plans(any_store, PLANNER, limit=3, offset=k) for k in range(0, 30, 3)]
    assert [p["plan_id"] for page in pages for p in page] == expected
    assert all(len(page) <= 3 for page in pages)
    first = pages[0][0]
    assert first["stops"] == next(len(r["stops"]) for r in rows if r["plan_id"] == first["plan_id"])


@pytest.mark.parametrize("where", [[], [{}], [{"status": "draft"}, {"team": "team-1"}],
                                   [{"status": "dispatched", "team": ["team-0", "team-2"]}]])
def test_any_of_several_filters(any_store: Store, where: list) -> None:
    rows = _plans(any_store)

    def holds(row: dict, one: dict) -> bool:
        return all(row[k] in v if isinstance(v, list) else row[k] == v for k, v in one.items())

    want = [r["plan_id"] for r in rows if any(holds(r, one) for one in where)]
    assert list(any_store.read("plans", where=where)["plan_id"]) == want
    got = any_store.read("plans", where=where, ids=["p01", "p02"])
    assert list(got["plan_id"]) == [p for p in want if p in ("p01", "p02")]


def test_an_unknown_order_field_is_refused(any_store: Store) -> None:
    with pytest.raises(ValueError, match="no field"):
        any_store.read("plans", order_by=("-nope",))
    assert scopes(User("x", "inspector")) == []
