"""HTML of the three maps as the service serves them (live data, edit mode for planners).

Built by the maps engineer's :mod:`api.services.maps`; assets come from ``/static/maps/``
(mounted by the app).  The page gets the caller's token (the login cookie is HttpOnly, so
the page's script cannot read it) and the service as ``api_base``; responses are no-store.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from api.services import maps as maps_svc
from api.services.users import User
from layers.store import Reader

ASSET_BASE = "/static/maps/"


def options(token: str | None, *, live: tuple[str, ...] = ()) -> Any:
    """Map options for a served page: the API at ``/``, the caller's token."""
    from maps.page import MapOptions

    return MapOptions(api_base="/", token=token, live_layers=live,
                      edit_endpoints={"move": "grids/edits/move",
                                      "redraw": "grids/edits/redraw"})


def planner_html(store: Reader, user: User, token: str | None) -> str:
    """The planner's map; edit mode posts to ``/grids/edits/…`` with the token."""
    return maps_svc.planner_html(store, options=options(token), asset_base=ASSET_BASE)


def inspector_html(store: Reader, plan: pd.Series, token: str | None = None) -> str:
    """The inspector's map of one plan (already read through the caller's scope)."""
    return maps_svc.inspector_html(store, plan, options=options(token), asset_base=ASSET_BASE)


def leader_html(store: Reader, user: User, token: str | None) -> str:
    """The coverage map (a leader sees their own assignments)."""
    leader = user.username if user.role == "leader" else None
    return maps_svc.leader_html(store, options=options(token), leader=leader,
                                asset_base=ASSET_BASE)
