"""The page assets under a content version: ``/static/maps/v-<digest>/<path>``.

``<digest>`` is :func:`maps.bundle.static_digest` (every file under ``maps/static`` and the
joined page script), so a URL's bytes never change: answers are cached for a year
(``immutable``).  An old digest (a page from before an upgrade) still gets the current file,
revalidated.  The joined script ``gridpatrol/bundle.js`` is made from the ES modules.
"""

from __future__ import annotations

import hashlib
import mimetypes
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.responses import Response

from api.errors import NotFoundError
from maps.bundle import BUNDLES, STATIC_DIR, bundle, static_digest

router = APIRouter(include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
#: Vendored files served with a URL replaced, so that they fetch nothing from the internet
#: (listed in maps/static/vendor/README.md): ReDoc's "powered by" logo hides itself when its
#: image fails, and ``data:,`` fails at once.
REWRITES: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    "vendor/redoc/bundles/redoc.standalone.js": (
        (b"https://cdn.redoc.ly/redoc/logo-mini.svg", b"data:,"),),
}


@cache
def _asset(rel: str) -> tuple[bytes, str, str]:
    """``(bytes, media type, etag)`` of the asset *rel* (``NotFoundError`` if absent)."""
    if rel in BUNDLES:
        body = bundle(BUNDLES[rel]).encode("utf-8")
    else:
        path = (STATIC_DIR / rel).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise NotFoundError(f"no asset {rel!r}")
        body = path.read_bytes()
        for old, new in REWRITES.get(rel, ()):
            body = body.replace(old, new)
    media = mimetypes.guess_type(rel)[0] or "application/octet-stream"
    if rel.endswith(".woff2"):
        media = "font/woff2"
    if media.startswith("text/") or media.endswith("javascript"):
        media += "; charset=utf-8"
    return body, media, '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


@router.get("/static/maps/v-{digest}/{rel:path}")
def asset(digest: Annotated[str, Path(max_length=40)], rel: Annotated[str, Path(max_length=300)],
          if_none_match: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    """A page asset; immutable under the current digest, revalidated under an old one."""
    body, media, etag = _asset(rel)
    cache_control = IMMUTABLE if digest == static_digest() else "public, no-cache"
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if if_none_match and etag in if_none_match:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)
