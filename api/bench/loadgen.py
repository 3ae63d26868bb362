"""A cheap HTTP/1.1 load generator for the service bench: one process, asyncio, keep-alive.

Why not httpx threads: 50 client threads in the benchmarking process cost about as much CPU
per request as the server's route (HTTP parsing, GIL hand-offs), and on a 2-core machine that
CPU is taken from the server, and the GIL queueing is added to the measured latency.  Here each
client is a coroutine on one keep-alive connection writing a GET and reading the answer
(status line, ``Content-Length`` or chunked body): a few tens of microseconds per request.

Run as ``python -m api.bench.loadgen`` with a JSON spec on stdin; prints the JSON result.
Spec: ``{"host", "port", "headers": {…}, "clients": [[path, …], …], "ramp_s", "warmup_s",
"duration_s", "think_s"}``.  Client *i* connects at ``i / n × ramp_s`` (users arrive over
time, as they do; a burst of 50 connects at once lets one uvicorn worker accept nearly all of
them — asyncio accepts up to the backlog per wake-up — and keep-alive keeps them there), then
sends its paths in order (wrapping round), waiting ``think_s`` seconds after each answer (0:
back to back).  Only requests started in ``[warmup_s, warmup_s + duration_s)`` are counted.
Result: ``{"latencies_ms": [...successful counted requests...], "errors": n, "status":
{code: n}, "wall_s": s, "bytes": n}``.  Loopback only; bounded by time and by
``max_requests`` per client.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """``(status, body bytes, keep-alive)`` of one HTTP/1.1 response (body consumed)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip().lower()
    size = 0
    if "content-length" in fields:
        size = int(fields["content-length"])
        await reader.readexactly(size)
    elif fields.get("transfer-encoding") == "chunked":
        while True:
            n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(n + 2)
            size += n
            if n == 0:
                break
    return status, size, fields.get("connection") != "close"


async def _client(spec: dict[str, Any], paths: list[str], window: tuple[float, float],
                  delay: float, out: dict[str, Any]) -> None:
    host, port = spec["host"], int(spec["port"])
    start, deadline = window
    await asyncio.sleep(delay)
    head = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    think = float(spec.get("think_s", 0.0))
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for i in range(int(spec.get("max_requests", 100_000))):
            if time.perf_counter() >= deadline:
                break
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            counted = t0 >= start
            try:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n"
                             .encode("latin-1"))
                status, size, alive = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, size, alive, code = 0, 0, False, type(exc).__name__
            else:
                code = str(status)
            if counted:
                out["status"][code] = out["status"].get(code, 0) + 1
                if status == 200:
                    out["latencies_ms"].append((time.perf_counter() - t0) * 1000)
                    out["bytes"] += size
                else:
                    out["errors"] += 1
            if not alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            if think:
                await asyncio.sleep(think)
    finally:
        writer.close()


async def run_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Run every client of *spec* at once; see the module docstring."""
    out: dict[str, Any] = {"latencies_ms": [], "errors": 0, "status": {}, "bytes": 0}
    n = len(spec["clients"])
    ramp = float(spec.get("ramp_s", 0.0))
    start = time.perf_counter() + float(spec.get("warmup_s", 0.0))
    window = (start, start + float(spec["duration_s"]))
    await asyncio.gather(*(_client(spec, paths, window, ramp * i / n, out)
                           for i, paths in enumerate(spec["clients"])))
    out["wall_s"] = time.perf_counter() - start  # the counted window and the last answers
    return out


def main() -> int:
    """Read the spec from stdin, write the result to stdout."""
    spec = json.load(sys.stdin)
    result = asyncio.run(run_spec(spec))
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
