"""Content negotiation: does this request want a page (a browser) or JSON (a client)?"""

from __future__ import annotations

from starlette.requests import Request

_HTML = ("text/html", "application/xhtml+xml")
_JSON = ("application/json", "application/geo+json", "application/problem+json")


def _ranges(accept: str) -> list[tuple[str, float]]:
    out = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        out.append((fields[0].lower(), q))
    return out


def wants_html(request: Request) -> bool:
    """Whether the request asks for HTML before JSON.

    Only an explicit ``text/html`` counts for HTML (browsers send it when they navigate);
    ``*/*`` alone (curl, most clients) and ``Accept: application/json`` (the pages' own
    ``fetch`` calls, the field app) get JSON.
    """
    ranges = _ranges(request.headers.get("accept", ""))
    html = max((q for m, q in ranges if m in _HTML), default=0.0)
    json = max((q for m, q in ranges if m in _JSON or m in ("*/*", "application/*")),
               default=0.0)
    return html > 0 and html > json
