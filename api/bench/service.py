"""``gridpatrol bench service``: the web service under load, on GeoPackage and PostGIS.

For each backend: start ``gridpatrol serve`` on 127.0.0.1 with 2 workers, then

* **read** — 50 concurrent clients, each on one keep-alive connection, read what the live map
  reads: ``/collections/{units,grids,mine_sites,fire_zones}/items?limit=10000&bbox=…`` for
  seeded random 1280 × 800 px viewports at zoom 14–16, back to back for 20 s (5 s quick),
  from a separate asyncio process (:mod:`api.bench.loadgen`): throughput and p50/p95/p99
  latency over the successful answers, errors counted.  This is saturation: with 50 clients
  and no pause, mean latency = 50 / throughput (Little's law);
* **read_paced** — the same with each client pausing 0.25 s after each answer (a user moving
  the map about once a second): latency at a realistic load;
* **edits** — 10 clients make bounded streams of grid edits (read the village ETag, move a
  boundary unit back and forth, commit with ``If-Match``) on a few villages at once; every
  acknowledged commit (200) must appear in ``grid_history`` with its move (lost updates: 0);
* **crash** — one client streams edits, the server is killed with SIGKILL mid-stream and
  restarted; every acknowledged edit must be in the store, which must open valid.

The store: ``$GRIDPATROL_BENCH_DB`` (a balanced store), else the demo built in a temporary
folder.  PostGIS: ``$GRIDPATROL_BENCH_POSTGIS`` or ``$GRIDPATROL_TEST_POSTGIS`` (a scratch
schema is created and dropped).  Loopback only; every loop is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

SECRET = "bench-secret-" + "k" * 40
USER, PASSWORD = "bench_admin", "bench password 1"
PG_DEFAULT = "postgresql://gridpatrol:gridpatrol@127.0.0.1:5432/gridpatrol_test"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``gridpatrol serve`` in its own process group (so SIGKILL takes every worker)."""

    def __init__(self, db: str, log: Path) -> None:
        self.db, self.port, self.log = db, _port(), log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        import httpx

        env = {**os.environ, "GRIDPATROL_JWT_SECRET": SECRET, "GRIDPATROL_PAGE_MAX": "10000"}
        with open(self.log, "ab") as fh:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--db", self.db, "--host",
                 "127.0.0.1", "--port", str(self.port), "--workers", "2"],
                stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"the server did not start; see {self.log}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def _token(base: str) -> dict[str, str]:
    import httpx

    r = httpx.post(base + "/auth/token", data={"username": USER, "password": PASSWORD},
                   timeout=30)
    r.raise_for_status()
    return {"Authorization": "Bearer " + r.json()["access_token"]}


# -- read ------------------------------------------------------------------------------------
#: The layers the live map loads for a viewport (one request each when the view moves).
READ_LAYERS = ("units", "grids", "mine_sites", "fire_zones")
#: The map page's viewport (pixels) and the zoom levels it is used at.
VIEW_PX, ZOOMS = (1280, 800), (14, 15, 16)
#: ``read_paced``: each of the 50 users waits this long after each answer (a viewport of four
#: layers about once a second) — latency at a realistic load rather than at saturation.
PACED_THINK_S = 0.25
#: What the map page asks for: everything in view (maps/static/gridpatrol/gridpatrol.js).
READ_LIMIT = 10_000


def viewport_paths(bounds: tuple[float, ...], *, clients: int, per_client: int,
                   rng: np.random.Generator) -> list[list[str]]:
    """Per client, *per_client* item requests: the map's four layers for random viewports.

    A viewport is the map's 1280 × 800 px at zoom 14, 15 or 16 (about 8.8 × 3.5 km down to
    2.2 × 0.9 km at 50° N) centred uniformly over *bounds* (lon/lat degrees); each viewport
    is read on every layer of :data:`READ_LAYERS` in turn, as the map does on ``moveend``.
    """
    minx, miny, maxx, maxy = bounds
    out = []
    for _ in range(clients):
        paths: list[str] = []
        while len(paths) < per_client:
            z = int(rng.choice(ZOOMS))
            deg = 360.0 / 2 ** z / 256  # degrees of longitude per pixel
            cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            w = VIEW_PX[0] * deg / 2
            h = VIEW_PX[1] * deg * float(np.cos(np.radians(cy))) / 2
            bbox = f"{cx - w:.6f},{cy - h:.6f},{cx + w:.6f},{cy + h:.6f}"
            paths += [f"/collections/{layer}/items?limit={READ_LIMIT}&bbox={bbox}"
                      for layer in READ_LAYERS]
        out.append(paths[:per_client])
    return out


def _loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    """Run :mod:`api.bench.loadgen` in its own process (its CPU is not the server's GIL)."""
    import json

    limit = spec["duration_s"] + spec["warmup_s"] + spec["ramp_s"] + 120
    proc = subprocess.run([sys.executable, "-m", "api.bench.loadgen"], input=json.dumps(spec),
                          capture_output=True, text=True, timeout=limit,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the load generator failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def bench_read(base: str, headers: dict[str, str], bounds: tuple[float, ...], *,
               clients: int, duration_s: float, think_s: float = 0.0, ramp_s: float = 2.0,
               warmup_s: float = 4.0, seed: int = 7) -> dict[str, Any]:
    """*clients* keep-alive connections reading map viewports for *duration_s* seconds.

    Clients arrive over *ramp_s*; requests started in the first *warmup_s* are not counted
    (each worker opens its database connections then).  Latency percentiles are over
    successful (200) answers; any other answer or a broken connection counts in ``errors``.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    rng = np.random.default_rng(seed)
    load = os.getloadavg()[0]  # other work on the machine shares its cores with the bench
    res = _loadgen({"host": parts.hostname, "port": parts.port, "headers": headers,
                    "think_s": think_s, "ramp_s": ramp_s, "warmup_s": warmup_s,
                    "duration_s": duration_s, "max_requests": 100_000,
                    "clients": viewport_paths(bounds, clients=clients, per_client=400, rng=rng)})
    n = len(res["latencies_ms"])
    lat = np.asarray(res["latencies_ms"]) if n else np.asarray([np.nan])
    pct = {f"p{q}_ms": round(float(np.percentile(lat, q)), 1) for q in (50, 95, 99)}
    return {"clients": clients, "requests": n + res["errors"], "errors": res["errors"],
            "rps": round(n / res["wall_s"], 1), **pct, "think_s": think_s,
            "duration_s": round(res["wall_s"], 1), "mean_kb": round(res["bytes"] / max(n, 1)
                                                                    / 1024, 1),
            "layers": list(READ_LAYERS), "limit": READ_LIMIT, "loadavg_1m_before": round(load, 2)}


# -- edits -----------------------------------------------------------------------------------
def movable_triples(store: Any, *, limit: int) -> list[tuple[str, str, str, str]]:
    """``(village, u, n, m)``: unit u may move to n's grid and back to m's (its mate's)."""
    from api.services.grid_edits import preview_edit
    from gis.errors import GisError

    units = store.read("units")
    out = []
    for village, sub in units.groupby("village_id"):
        sub = sub.reset_index(drop=True)
        if sub["grid_id"].nunique() < 2:
            continue
        sidx = sub.sindex
        for _, row in sub.iterrows():
            near = sub.iloc[sidx.query(row.geometry, predicate="touches")]
            other = near[near["grid_id"] != row["grid_id"]]
            mate = near[(near["grid_id"] == row["grid_id"]) & (near["unit_id"] != row["unit_id"])]
            if other.empty or mate.empty:
                continue
            try:
                preview_edit(store, kind="move", params={"units": [row["unit_id"]],
                                                         "to_grid": other["grid_id"].iloc[0]})
            except GisError:
                continue
            out.append((str(village), str(row["unit_id"]), str(other["unit_id"].iloc[0]),
                        str(mate["unit_id"].iloc[0])))
            break
        if len(out) >= limit:
            break
    return out


def _one_edit(c: Any, triple: tuple[str, str, str, str]) -> tuple[int, dict[str, Any] | None]:
    village, u, n, m = triple
    tag = c.get(f"/grids/villages/{village}").headers["etag"]  # read the version first
    g = {k: c.get(f"/collections/units/items/{k}").json()["properties"]["grid_id"]
         for k in (u, n, m)}
    target = g[n] if g[u] == g[m] else g[m]
    r = c.post("/grids/edits/move", json={"unit_ids": [u], "target_grid_id": target},
               headers={"If-Match": tag})
    if r.status_code == 200:
        return 200, {"village": village, "version": r.json()["version"], "unit": u,
                     "grid": target}
    return r.status_code, None


def lost_updates(store: Any, acked: list[dict[str, Any]]) -> int:
    """Acknowledged commits not found in ``grid_history`` as acknowledged."""
    hist = store.read("grid_history")
    rows = {(str(v), int(ver)): a for v, ver, a in zip(hist["village_id"], hist["version"],
                                                        hist["assignment"], strict=True)}
    seen, lost = set(), 0
    for a in acked:
        key = (a["village"], int(a["version"]))
        row = rows.get(key)
        if key in seen or row is None or row.get(a["unit"]) != a["grid"]:
            lost += 1
        seen.add(key)
    return lost


def partition_valid(store: Any, villages: set[str]) -> bool:
    """Units agree with each village's latest history row; every grid has units."""
    hist = store.read("grid_history")
    units = store.read("units")
    grids = store.read("grids")
    for v in villages:
        h = hist[hist["village_id"] == v].sort_values("version")
        sub = units[units["village_id"] == v]
        if h.empty or dict(zip(sub["unit_id"], sub["grid_id"], strict=True)) != \
                h["assignment"].iloc[-1]:
            return False
        if set(grids[grids["village_id"] == v]["grid_id"]) != set(sub["grid_id"]):
            return False
    return True


def bench_edits(base: str, headers: dict[str, str], triples: list, *, clients: int,
                per_client: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """*clients* × *per_client* edit attempts spread over the villages of *triples*."""
    import httpx

    acked: list[dict[str, Any]] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def client(i: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            for _ in range(per_client):
                code, ack = _one_edit(c, triples[i % len(triples)])
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                    if ack:
                        acked.append(ack)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    return {"clients": clients, "edits": clients * per_client, "committed": len(acked),
            "conflicts_412": codes.get(412, 0),
            "other_status": {str(k): v for k, v in codes.items() if k not in (200, 412)},
            "commits_per_s": round(len(acked) / wall, 2)}, acked


def bench_crash(server: Server, headers: dict[str, str], triple: tuple, *, before: int
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Stream edits, SIGKILL the server while one is in flight, restart it."""
    import httpx

    acked: list[dict[str, Any]] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as c:
            for _ in range(before * 10):
                if stop.is_set():
                    return
                try:
                    code, ack = _one_edit(c, triple)
                except (httpx.HTTPError, KeyError, ValueError):
                    return
                if ack:
                    acked.append(ack)

    t = threading.Thread(target=stream)
    t.start()
    deadline = time.monotonic() + 300
    while len(acked) < before and t.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # an edit is in flight now
    server.kill()
    stop.set()
    t.join(timeout=60)
    server.start()
    return {"acknowledged": len(acked)}, acked


# -- per backend -------------------------------------------------------------------------------
def run_backend(db: str, workdir: Path, *, quick: bool) -> dict[str, Any]:
    """The three phases against the store at *db* (already holding the demo layers)."""
    from api.services.users import add_user
    from layers.store import open_store

    store = open_store(db)
    add_user(store, username=USER, role="admin", password=PASSWORD, replace=True)
    bounds = tuple(float(v) for v in store.read("units").total_bounds)
    triples = movable_triples(store, limit=3)
    if not triples:
        raise RuntimeError(f"no movable unit in {db}: balance the store first")
    server = Server(db, workdir / f"serve-{uuid.uuid4().hex[:6]}.log")
    server.start()
    try:
        headers = _token(server.base)
        read = bench_read(server.base, headers, bounds, clients=50,
                          duration_s=5.0 if quick else 20.0)
        paced = bench_read(server.base, headers, bounds, clients=50, think_s=PACED_THINK_S,
                           duration_s=5.0 if quick else 20.0, seed=8)
        edits, acked = bench_edits(server.base, headers, triples, clients=10,
                                   per_client=10 if quick else 100)
        edits["lost_updates"] = lost_updates(store, acked)
        edits["valid"] = partition_valid(store, {t[0] for t in triples})
        crash, acked_c = bench_crash(server, headers, triples[0], before=3 if quick else 10)
    finally:
        server.stop()
    store.close()
    check = open_store(db, create=False)
    crash["missing"] = lost_updates(check, acked_c)
    crash["valid"] = partition_valid(check, {triples[0][0]}) and _integrity(check)
    check.close()
    return {"read": read, "read_paced": paced, "edits": edits, "crash": crash}


def _integrity(store: Any) -> bool:
    con = getattr(store, "_con", None)
    if con is None or not hasattr(store, "path"):
        return store.count("units") > 0
    return con().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _copy_to_postgis(src: str, url: str) -> None:
    from layers.store import open_store

    a, b = open_store(src, create=False), open_store(url)
    with b.transaction() as tx:
        for layer in a.layers():
            tx.replace(layer, a.read(layer))
    a.close()
    b.close()


def _drop_schema(url: str, schema: str) -> None:
    import psycopg

    from layers.postgis import split_url

    libpq, _ = split_url(url)
    with psycopg.connect(libpq, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def run(*, quick: bool = False, out: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns ``{"backends": {"gpkg": …, "postgis": …}}``.

    *out*: where the caller writes the JSON; the servers' logs go to ``bench-service-logs``
    beside it (else a temporary folder).
    """
    import logging
    import shutil

    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per edit request
    with tempfile.TemporaryDirectory(prefix="gp-bench-service-") as tmp:
        # *out* is the JSON file the CLI writes: the server logs go next to it.
        work = Path(out).parent / "bench-service-logs" if out else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = os.environ.get("GRIDPATROL_BENCH_DB")
        if not source:
            from api.services.demo import run_demo

            run_demo(Path(tmp) / "demo", progress=False)
            source = str(Path(tmp) / "demo" / "gridpatrol.gpkg")
        gpkg = str(Path(tmp) / "bench.gpkg")
        shutil.copy(source, gpkg)
        result: dict[str, Any] = {"backends": {}}
        result["backends"]["gpkg"] = run_backend(gpkg, work, quick=quick)
        pg = os.environ.get("GRIDPATROL_BENCH_POSTGIS") or os.environ.get(
            "GRIDPATROL_TEST_POSTGIS") or PG_DEFAULT
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        url = f"{pg}{'&' if '?' in pg else '?'}schema={schema}"
        try:
            _copy_to_postgis(source, url)
            result["backends"]["postgis"] = run_backend(url, work, quick=quick)
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            result["backends"]["postgis"] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            try:
                _drop_schema(pg, schema)
            except Exception:  # noqa: BLE001
                pass
    return result
