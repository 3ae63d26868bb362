"""The road network that plans are made on, built once per roads layer and cached.

Building the graph from the ``roads`` layer and the travel-time matrices between sites cost
seconds; a plan request should not pay them again while the roads stay the same.  Both are
cached under a **content hash of the roads layer** (geometry and every field the graph
reads, plus the speeds): in memory for this process (:class:`NetworkCache`, which the web
service keeps for its lifetime) and on disk in a private per-user directory
(:func:`private_cache_dir`) that worker processes share.  Disk entries are written to a
temporary file and renamed into place, so a reader never sees half a file; the directory is
the user's own (mode 0700), never a world-writable ``/tmp`` path, since the graph is
stored as a pickle.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gis import matrix as gm
from gis.roads import ROAD_COLUMNS, NodeIndex, graph_to_csr, road_graph
from layers.errors import StoreError

log = logging.getLogger(__name__)
#: Bumped whenever the cached objects change shape (old entries are then never read).
CACHE_FORMAT = "network-1"


def private_cache_dir(directory: str | os.PathLike[str] | None = None) -> Path:
    """The cache directory: *directory*, else ``$XDG_CACHE_HOME/gridpatrol``, else
    ``~/.cache/gridpatrol``; created with mode 0700.

    Raises :class:`~layers.errors.StoreError` when it belongs to another user or others may
    write to it (a cached pickle there could be planted).
    """
    if directory is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        directory = Path(base) / "gridpatrol"
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid != os.getuid():
        msg = (f"cache directory {path} belongs to another user: give a directory of your "
               "own (XDG_CACHE_HOME or the cache_dir option)")
        raise StoreError(msg)
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        path.chmod(0o700)
    return path


class DiskCache(MutableMapping[str, Any]):
    """Entries as files in one private directory: ``.npy`` for arrays, ``.pkl`` otherwise;
    written atomically (temporary file, then rename); the least recently written beyond
    *keep* entries are removed."""

    def __init__(self, directory: Path, suffix: str = ".npy", *, keep: int = 256) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.suffix = suffix
        self.keep = keep

    def _p(self, key: str) -> Path:
        return self.dir / f"{key}{self.suffix}"

    def __getitem__(self, key: str) -> Any:
        try:
            if self.suffix == ".npy":
                return np.load(self._p(key), allow_pickle=False)
            with self._p(key).open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - our own file in a 0700 directory
        except (FileNotFoundError, ValueError, OSError, EOFError, pickle.UnpicklingError):
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._p(key).exists()

    def __setitem__(self, key: str, value: Any) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=self.suffix, dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                if self.suffix == ".npy":
                    np.save(fh, value, allow_pickle=False)
                else:
                    pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._p(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._prune()

    def _prune(self) -> None:
        files = list(self.dir.glob(f"[!.]*{self.suffix}"))
        for old in sorted(files, key=_mtime)[:max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)

    def __delitem__(self, key: str) -> None:
        self._p(key).unlink()

    def __iter__(self) -> Iterator[str]:
        return (p.name[:-len(self.suffix)] for p in self.dir.glob(f"[!.]*{self.suffix}"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # another process pruned it first
        return float("inf")


@dataclass(frozen=True)
class Network:
    """The road graph, its CSR form, a nearest-node index and the roads' content hash."""

    graph: nx.MultiDiGraph
    csr: Any
    nodes: np.ndarray
    row: dict[int, int]
    index: NodeIndex
    key: str

    def matrix(self, nodes: list[int], cache: MutableMapping[str, np.ndarray] | None
               ) -> np.ndarray:
        """Travel times (s) between the given road nodes (``inf`` where cut off)."""
        return gm.travel_time_matrix(self.csr, [self.row[int(n)] for n in nodes], cache=cache)


def roads_key(roads: gpd.GeoDataFrame, speeds: Mapping[str, float] | None = None) -> str:
    """A SHA-256 of the roads layer's geometries and graph fields, and the speeds."""
    cols = {c: roads[c].astype(str).to_numpy() for c in ROAD_COLUMNS if c in roads}
    frame = pd.DataFrame({"wkb": shapely.to_wkb(roads.geometry.to_numpy()), **cols})
    h = hashlib.sha256(CACHE_FORMAT.encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    h.update(repr(sorted((speeds or {}).items())).encode())
    return h.hexdigest()[:32]


def _build(roads: gpd.GeoDataFrame, speeds: Mapping[str, float] | None, key: str) -> Network:
    graph = road_graph(roads, speeds=speeds)
    csr, nodes = graph_to_csr(graph)
    return Network(graph, csr, nodes, {int(n): i for i, n in enumerate(nodes.tolist())},
                   NodeIndex(graph), key)


class NetworkCache:
    """Networks by roads hash: the last *keep* in memory, all on disk in *directory*;
    travel-time matrices on disk beside them.  Safe to share between threads."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, keep: int = 2
                 ) -> None:
        self.dir = private_cache_dir(directory)
        self.keep = keep
        self._memory: OrderedDict[str, Network] = OrderedDict()
        self._lock = threading.Lock()
        self._graphs = DiskCache(self.dir / "graphs", ".pkl", keep=8)
        self.matrices: MutableMapping[str, np.ndarray] = DiskCache(self.dir / "matrices")

    def network(self, roads: gpd.GeoDataFrame, *, speeds: Mapping[str, float] | None = None
                ) -> Network:
        """The network of *roads* (built only when no cache holds it)."""
        key = roads_key(roads, speeds)
        with self._lock:
            net = self._memory.get(key)
            if net is not None:
                self._memory.move_to_end(key)
                return net
        try:
            net = self._graphs[key]
        except KeyError:
            net = _build(roads, speeds, key)
            self._graphs[key] = net
            log.info("road network built and cached (%d nodes)", len(net.nodes))
        with self._lock:
            self._memory[key] = net
            while len(self._memory) > self.keep:
                self._memory.popitem(last=False)
        return net
