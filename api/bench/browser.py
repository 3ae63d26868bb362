"""How GridPatrol starts headless Chromium (Debian's ``/usr/bin/chromium``, never a
downloaded browser): shared by the maps benchmark and the real-browser tests."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
#: No sandbox (root), and none of Chromium's own background traffic on a closed network.
ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync")


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from a started ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(ARGS))
