"""Grid services on both backends: one transaction, versions, conflicts, revert, previews
committed as previewed, constraints checked in the write path, villages that cannot be
balanced skipped with their reasons."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from api.services import grid_edits
from api.services.grids import balance_store
from api.services.preview_tokens import PreviewToken, PreviewTokenError, assignment_digest
from gis.balance import BalanceError
from gis.edits import EditRefused, UnknownIdError
from gis.partition import InvalidPartitionError
from gis.workload import WorkloadError
from layers.errors import ConflictError
from layers.store import open_store

D = 0.002  # degrees per cell (~140 m × 220 m at 49.9° N)


def _units(village: str, nx: int, ny: int, x0: float, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"unit_id": f"{village}-{i}-{j}", "village_id": village, "kind": "block",
             "households": int(rng.integers(5, 12)), "population": 20, "members": 1,
             "mines": 0, "fire_area_m2": 0.0, "pinned": False,
             "geometry": shapely.box(x0 + i * D, 49.9 + j * D, x0 + (i + 1) * D,
                                     49.9 + (j + 1) * D)}
            for i in range(nx) for j in range(ny)]


def _seed(s) -> None:  # noqa: ANN001
    """Villages V1 (6 × 4 cells, a mine at V1-0-0), V2 (3 × 3) and V3 (no units)."""
    units = gpd.GeoDataFrame(_units("V1", 6, 4, 11.5, 1) + _units("V2", 3, 3, 11.5 + 6 * D, 2),
                             crs=4326)
    units.loc[units["unit_id"] == "V1-0-0", ["kind", "pinned"]] = ["mine", True]
    admin = gpd.GeoDataFrame([
        {"area_id": "V1", "name": "One", "level": "village", "code": "110101001001",
         "geometry": shapely.box(11.5, 49.9, 11.5 + 6 * D, 49.9 + 4 * D)},
        {"area_id": "V2", "name": "Two", "level": "village",
         "geometry": shapely.box(11.5 + 6 * D, 49.9, 11.5 + 9 * D, 49.9 + 3 * D)},
        {"area_id": "V3", "name": "Empty", "level": "village",
         "geometry": shapely.box(11.6, 49.9, 11.61, 49.91)}], crs=4326)
    with s.transaction() as tx:
        tx.replace("admin_areas", admin)
        tx.replace("units", units)


@pytest.fixture(params=["gpkg", "postgis"])
def store(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201
    url = tmp_path / "g.gpkg" if request.param == "gpkg" else \
        request.getfixturevalue("postgis_url")
    s = open_store(url)
    _seed(s)
    yield s
    s.close()


def test_balance_writes_units_grids_and_history(store) -> None:  # noqa: ANN001
    report = balance_store(store, target=40.0)
    units = store.read("units")
    grids = store.read("grids")
    assert units["grid_id"].notna().all()
    assert set(grids["grid_id"]) == set(units["grid_id"])
    v1 = grids[grids["village_id"] == "V1"]
    assert all(len(c) == 15 and c.startswith("110101001001") for c in v1["code"])
    mine_grid = units.loc[units["unit_id"] == "V1-0-0", "grid_id"].iloc[0]
    assert grids.set_index("grid_id").loc[mine_grid, "pinned"]
    assert (units["grid_id"] == mine_grid).sum() == 1
    area = shapely.union_all(units.to_crs(32632).geometry.values).area
    assert abs(grids.to_crs(32632).geometry.area.sum() - area) < 1.0
    hist = store.read("grid_history")
    assert sorted(hist["version"]) == [1, 1] and report.versions == {"V1": 1, "V2": 1}
    assert report.summary["contiguous"] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"weights": "households=-1"}, WorkloadError, "≥ 0"),
     ({"villages": ["V3"]}, BalanceError, "V3 has no units"),
     ({"villages": ["V9"]}, BalanceError, "not in admin_areas"),
     ({"target": 3.0}, BalanceError, "raise --target")],
)
def test_bad_input_writes_nothing(store, kwargs: dict, error: type, match: str) -> None:  # noqa: ANN001
    with pytest.raises(error, match=match):
        balance_store(store, **{"target": 40.0, **kwargs})
    assert store.read("grids").empty and store.read("grid_history").empty
    assert store.read("units")["grid_id"].isna().all()


def test_edit_preview_commit_conflict_history_revert(store) -> None:  # noqa: ANN001
    balance_store(store, target=40.0)
    grids = store.read("grids")
    free = grids[(grids["village_id"] == "V1") & ~grids["pinned"].astype(bool)]
    gid = free["grid_id"].iloc[0]
    prev = grid_edits.preview_edit(store, kind="rebalance", params={"grids": [gid]})
    assert prev["version"] == 1 and gid in prev["before"]
    split = grid_edits.commit_edit(store, kind="split", params={"grid": gid},
                                   expected_version=1, author="ann", reason="test split")
    assert split["version"] == 2 and len(split["grids"]) == 2
    with pytest.raises(ConflictError):
        grid_edits.commit_edit(store, kind="merge",
                               params={"grid": split["grids"][0], "other": split["grids"][1]},
                               expected_version=1)
    hist = grid_edits.history(store, village="V1")
    assert [h["version"] for h in hist] == [2, 1] and hist[0]["author"] == "ann"
    back = grid_edits.revert(store, village="V1", version=1)
    assert back["version"] == 3
    restored = store.read("units", where={"village_id": "V1"})
    first = store.read("grid_history", where={"village_id": "V1"})
    v1 = first[first["version"] == 1]["assignment"].iloc[0]
    assert dict(zip(restored["unit_id"], restored["grid_id"], strict=True)) == v1
    pinned = store.read("units", ids=["V1-0-0"])["grid_id"].iloc[0]
    with pytest.raises(EditRefused, match="exclusive"):
        grid_edits.preview_edit(store, kind="move", params={"units": ["V1-0-0"],
                                                            "to_grid": gid})
    with pytest.raises(UnknownIdError):
        grid_edits.preview_edit(store, kind="merge", params={"grid": "nope", "other": pinned})
    assert len(pd.unique(store.read("grid_history")["history_id"])) == 4


def test_hook_runs_inside_the_commit_transaction(store) -> None:  # noqa: ANN001
    """What *after* writes lands with the edit; if it fails, the edit is rolled back too."""
    balance_store(store, target=40.0)
    gid = store.read("grids", where={"village_id": "V1", "pinned": False})["grid_id"].iloc[0]
    before = store.read("units", where={"village_id": "V1"})

    def failing(tx, result) -> None:  # noqa: ANN001
        raise OSError("audit log unavailable (simulated)")

    with pytest.raises(OSError, match="simulated"):
        grid_edits.commit_edit(store, kind="split", params={"grid": gid}, expected_version=1,
                               after=failing)
    pd.testing.assert_frame_equal(store.read("units", where={"village_id": "V1"}), before)
    assert [h["version"] for h in grid_edits.history(store, village="V1")] == [1]
    seen: list[int] = []
    done = grid_edits.commit_edit(store, kind="split", params={"grid": gid}, expected_version=1,
                                  after=lambda tx, result: seen.append(result["version"]))
    assert seen == [2] == [done["version"]]


def _assignment(store, village: str) -> dict[str, str]:  # noqa: ANN001
    units = store.read("units", where={"village_id": village})
    return dict(zip(units["unit_id"].astype(str), units["grid_id"].astype(str), strict=True))


def test_commit_writes_exactly_the_preview(store) -> None:  # noqa: ANN001
    balance_store(store, target=40.0)
    gid = store.read("grids", where={"village_id": "V1", "pinned": False})["grid_id"].iloc[0]
    base = _assignment(store, "V1")
    prev = grid_edits.preview_edit(store, kind="split", params={"grid": gid, "seed": 3})
    assert _assignment(store, "V1") == base  # a preview writes nothing
    done = grid_edits.commit_preview(store, token=prev["token"], author="ann")
    assert done["version"] == 2 and done["after"] == prev["after"]
    assert done["moved"] == prev["moved"] and done["before"] == prev["before"]
    stored = _assignment(store, "V1")
    assert {u for u in stored if stored[u] != base[u]} == set(prev["moved"])
    assert set(stored.values()) == set(base.values()) | set(prev["grids"])
    with pytest.raises(ConflictError):  # the village moved on: the token is stale
        grid_edits.commit_preview(store, token=prev["token"])
    with pytest.raises(PreviewTokenError, match="damaged"):
        grid_edits.commit_preview(store, token=prev["token"][:-8] + "AAAAAAAA")
    assert [h["version"] for h in grid_edits.history(store, village="V1")] == [2, 1]


def _forged(store, village: str, moves: dict[str, str]) -> str:  # noqa: ANN001
    base = _assignment(store, village)
    version = grid_edits.load_plan(store, village=village).version
    return PreviewToken(village=village, version=version, kind="move", grids=(),
                        base=assignment_digest(base),
                        result=assignment_digest({**base, **moves}), moves=moves).encode()


def test_write_path_refuses_a_broken_partition(store) -> None:  # noqa: ANN001
    """The constraints run inside the commit's transaction, whatever the token says."""
    balance_store(store, target=40.0)
    units = store.read("units", where={"village_id": "V1"}).set_index("unit_id")
    before = _assignment(store, "V1")
    free = units[~units["pinned"].astype(bool)]
    far = free.index[-1]  # the last cell of the lattice: far from the mine at V1-0-0
    mine_grid = units.loc["V1-0-0", "grid_id"]
    with pytest.raises(InvalidPartitionError) as err:
        grid_edits.commit_preview(store, token=_forged(store, "V1", {far: mine_grid}))
    reasons = " ".join(err.value.problems)
    assert "disconnected" in reasons and "exclusive" in reasons
    other = store.read("grids", where={"village_id": "V2"})["grid_id"].iloc[0]
    with pytest.raises(InvalidPartitionError, match="village boundary"):
        grid_edits.commit_preview(store, token=_forged(store, "V1", {far: other}))
    assert _assignment(store, "V1") == before
    assert [h["version"] for h in grid_edits.history(store, village="V1")] == [1]


def test_villages_that_cannot_be_balanced_are_listed_and_the_rest_balanced(store) -> None:  # noqa: ANN001
    """A village in pieces is skipped with the reason; the others are balanced."""
    _add_island(store)
    report = balance_store(store, target=40.0)
    assert report.villages == ("V1",) and list(report.skipped) == ["V2"]
    assert "V2-island" in report.skipped["V2"][0] and "not connected" in report.skipped["V2"][0]
    assert set(store.read("grids")["village_id"]) == {"V1"}
    assert store.read("units", where={"village_id": "V2"})["grid_id"].isna().all()
    with pytest.raises(BalanceError, match="cannot balance any"):
        balance_store(store, target=40.0, villages=["V2"])


def _add_island(s) -> None:  # noqa: ANN001
    units = s.read("units")
    island = units[units["unit_id"] == "V2-0-0"].copy()
    island["unit_id"] = "V2-island"
    island["geometry"] = [shapely.box(11.7, 49.95, 11.701, 49.951)]
    with s.transaction() as tx:
        tx.append("units", island)


def test_cli_balance_skips_and_commits_a_previewed_token(tmp_path: Path, capsys,  # noqa: ANN001
                                                         caplog) -> None:  # noqa: ANN001
    """`balance` exits 2 only when it balanced nothing; `grids commit` writes a preview."""
    import json

    from api.cli import main

    db = tmp_path / "cli.gpkg"
    s = open_store(db)
    _seed(s)
    _add_island(s)
    s.close()
    assert main(["balance", "--db", str(db), "--village", "V2", "--target", "40"]) == 2
    assert "cannot balance any" in caplog.text and "V2-island" in caplog.text
    capsys.readouterr()
    assert main(["balance", "--db", str(db), "--target", "40"]) == 0
    out = capsys.readouterr()
    assert "village V2 not balanced" in out.err
    report = json.loads(out.out)
    assert report["villages"] == 1 and list(report["skipped"]) == ["V2"]
    s = open_store(db)
    grid = sorted(set(_assignment(s, "V1").values()))[-1]
    s.close()
    assert main(["grids", "edit", "split", grid, "--preview", "--db", str(db)]) == 0
    prev = json.loads(capsys.readouterr().out)
    assert main(["grids", "commit", prev["token"], "--db", str(db), "--reason", "cli"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["version"] == 2 and done["after"] == prev["after"]
