"""The real app under uvicorn on 127.0.0.1 (a free port, in a thread), for browser tests,
and a browser page that blocks and records every request leaving loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from api.app import create_app
from api.settings import Settings

#: Visible text a zh-CN page may show in Latin letters: proper names of the libraries and data.
LATIN_OK = ("Leaflet", "OpenStreetMap")
#: The visible text of a page outside the marked exceptions (other-language names, data).
VISIBLE_TEXT = """() => {
  const skip = (el) => el.closest('[lang]:not([lang^="zh"]), [data-gp-data], .gp-place, ' +
    '.leaflet-control-attribution, script, style, noscript, [hidden]');
  const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    out.push(n.textContent.trim());
  }
  document.querySelectorAll('input[placeholder], [title], [aria-label]').forEach((el) => {
    if (skip(el) || !el.getBoundingClientRect().width) return;
    ['placeholder', 'title', 'aria-label'].forEach((a) => {
      if (el.getAttribute(a)) out.push(el.getAttribute(a));
    });
  });
  return out;
}"""


class _SignallingServer(uvicorn.Server):
    """uvicorn that says when it has started (or failed to): tests wait on the event."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Run the app for *settings*; yields its base URL once uvicorn has started."""
    server = _SignallingServer(uvicorn.Config(create_app(settings), log_level="warning",
                                              lifespan="on", access_log=False))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert server.ready.wait(timeout=30) and server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


class Browser:
    """A browser context on *base*: other hosts blocked and kept, page errors kept."""

    def __init__(self, browser: Any, base: str, *, phone: bool = False,
                 expected: tuple[str, ...] = ()) -> None:
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
        self.base, self.expected = base, expected
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone,
                                           has_touch=phone, device_scale_factor=2 if phone
                                           else 1)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.page.route("**/*", self._route)

    def _console(self, m: Any) -> None:
        if m.type == "error" and not any(s in m.text for s in self.expected):
            self.errors.append(m.text)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def latin(self) -> list[str]:
        """Visible strings with Latin words that are neither data nor allowed names."""
        import re

        out = []
        for text in self.page.evaluate(VISIBLE_TEXT):
            words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in LATIN_OK]
            if words:
                out.append(text)
        return out

    def sign_in(self, username: str, password: str, path: str = "/") -> None:
        """Open *path* (signed out: the sign-in page), sign in, wait for the landing page."""
        self.page.goto(self.base + path)
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors
        assert self.blocked == [], self.blocked
