"""The service bench's load generator: HTTP/1.1 answers parsed right, viewports as the map."""

from __future__ import annotations

import asyncio

import numpy as np

from api.bench.loadgen import _read_response
from api.bench.service import READ_LAYERS, viewport_paths


def _parse(raw: bytes) -> tuple[int, int, bool, bytes]:
    async def go() -> tuple[int, int, bool, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        status, size, alive = await _read_response(reader)
        return status, size, alive, await reader.read()

    return asyncio.run(go())


def test_reads_length_and_chunked_bodies_and_leaves_the_next_answer() -> None:
    fixed = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204"
    assert _parse(fixed) == (200, 5, True, b"HTTP/1.1 204")
    chunked = (b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close"
               b"\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\nNEXT")
    assert _parse(chunked) == (404, 5, False, b"NEXT")


def test_viewports_cycle_the_map_layers_inside_the_area() -> None:
    bounds = (11.45, 49.95, 11.62, 50.07)
    paths = viewport_paths(bounds, clients=3, per_client=8, rng=np.random.default_rng(1))
    assert [len(p) for p in paths] == [8, 8, 8]
    assert [p.split("/")[2] for p in paths[0]] == list(READ_LAYERS) * 2
    boxes = [[float(v) for v in p.split("bbox=")[1].split(",")] for c in paths for p in c]
    for minx, miny, maxx, maxy in boxes:
        assert bounds[0] <= (minx + maxx) / 2 <= bounds[2]
        assert bounds[1] <= (miny + maxy) / 2 <= bounds[3]
        assert 0.02 < maxx - minx < 0.12 and 0.005 < maxy - miny < 0.05  # zoom 14–16
    again = viewport_paths(bounds, clients=3, per_client=8, rng=np.random.default_rng(1))
    assert again == paths
