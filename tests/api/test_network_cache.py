"""The road-network cache: a private directory (0700, the user's own), entries written
atomically, a network built once per roads layer and found again by another process's
cache, and a new one when the roads change."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from api.services import network
from api.services.network import DiskCache, NetworkCache, private_cache_dir, roads_key
from layers.errors import StoreError
from tests.api.routes_data import roads


def test_the_cache_directory_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    made = private_cache_dir()
    assert made == tmp_path / "xdg" / "gridpatrol"
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    loose.chmod(0o777)
    assert stat.S_IMODE(private_cache_dir(loose).stat().st_mode) == 0o700
    if os.getuid() == 0:  # only root can hand a directory to someone else
        theirs = tmp_path / "theirs"
        theirs.mkdir()
        os.chown(theirs, 65534, 65534)
        with pytest.raises(StoreError, match="belongs to another user"):
            private_cache_dir(theirs)


def test_entries_are_written_whole_and_read_back(tmp_path: Path) -> None:
    arrays = DiskCache(tmp_path / "m")
    arrays["k1"] = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(arrays["k1"], np.arange(6.0).reshape(2, 3))
    assert list(arrays) == ["k1"] and "k2" not in arrays
    with pytest.raises(KeyError):
        arrays["k2"]
    (tmp_path / "m" / "k3.npy").write_bytes(b"half a fi")  # a torn file reads as missing
    with pytest.raises(KeyError):
        arrays["k3"]
    assert not [p for p in (tmp_path / "m").iterdir() if p.name.startswith(".")]


def test_the_oldest_entries_go_beyond_the_limit(tmp_path: Path) -> None:
    small = DiskCache(tmp_path / "s", keep=3)
    for k in range(5):
        small[f"k{k}"] = np.full(2, k)
        os.utime(small._p(f"k{k}"), (1_000_000 + k, 1_000_000 + k))
    assert sorted(small) == ["k2", "k3", "k4"] and len(small) == 3


def test_a_network_is_built_once_per_roads_layer(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    real = network.road_graph
    monkeypatch.setattr(network, "road_graph", lambda *a, **k: built.append(1) or real(*a, **k))
    streets = roads()
    first = NetworkCache(tmp_path).network(streets)
    again = NetworkCache(tmp_path).network(streets)  # another process: from disk
    assert built == [1] and again.key == first.key
    assert np.array_equal(again.nodes, first.nodes)
    moved = streets.set_geometry(streets.translate(xoff=0.001))
    assert roads_key(moved) != first.key
    NetworkCache(tmp_path).network(moved)
    assert built == [1, 1]
    assert roads_key(streets, {"residential": 40.0}) != first.key
