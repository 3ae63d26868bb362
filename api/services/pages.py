"""HTML of the map pages as the service serves them (live data, edit mode for planners).

Built by :mod:`api.services.maps`; assets come from ``/static/maps/v-<digest>/`` (content-
versioned, cached for good) and the offline basemap from ``/basemap/<hash>.json``.  No token
is written into a page: its script calls the service with the HttpOnly login cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from api.services import maps as maps_svc
from api.services.basemap import Basemap
from api.services.users import User
from layers.store import Reader


@dataclass(frozen=True)
class PageContext:
    """What a served page needs besides the store: language, header, basemap, online tiles."""

    lang: str = "zh"
    header: str = ""
    basemap: Basemap | None = None
    online: str = "none"


def asset_base() -> str:
    """Where the page assets are served, versioned by their content."""
    from maps.bundle import static_digest

    return f"/static/maps/v-{static_digest()}/"


def options(ctx: PageContext, *, live: tuple[str, ...] = ()) -> Any:
    """Map options for a served page: the API at ``/``, the basemap by its hash."""
    from maps.page import MapOptions

    url = f"/basemap/{ctx.basemap.hash}.json" if ctx.basemap is not None else None
    return MapOptions(api_base="/", lang=ctx.lang, live_layers=live, basemap_url=url,
                      basemap=ctx.online, header=ctx.header,
                      edit_endpoints={"move": "grids/edits/move",
                                      "redraw": "grids/edits/redraw"})


def planner_html(store: Reader, user: User, ctx: PageContext) -> str:
    """The planner's map; edit mode posts to ``/grids/edits/…``."""
    return maps_svc.planner_html(store, options=options(ctx), asset_base=asset_base())


def inspector_html(store: Reader, plan: pd.Series, ctx: PageContext) -> str:
    """The inspector's map of one plan (already read through the caller's scope)."""
    return maps_svc.inspector_html(store, plan, options=options(ctx), asset_base=asset_base())


def leader_html(store: Reader, user: User, ctx: PageContext) -> str:
    """The coverage map (a leader sees their own assignments)."""
    leader = user.username if user.role == "leader" else None
    return maps_svc.leader_html(store, options=options(ctx), leader=leader,
                                asset_base=asset_base())
