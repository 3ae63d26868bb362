"""12-digit administrative division codes (统计用区划代码) for townships and villages.

A code is 6 digits of county + 3 of township + 3 of village.  Real codes (an OSM ``ref:CN``,
the user's boundaries, a household register) are kept; areas without one are numbered
west→east, north→south inside their parent: a township inside its county's 6 digits (the
placeholder county :data:`PLACEHOLDER_COUNTY` when no real county code is known), a village
inside its township's 9, skipping the numbers real codes already use.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

PLACEHOLDER_COUNTY = "990000"
CODE_DIGITS = 12


def valid_code(code: object, digits: int = CODE_DIGITS) -> str | None:
    """*code* as a string if it is exactly *digits* decimal digits, else ``None``."""
    text = str(code).strip() if isinstance(code, str | int | np.integer) else ""
    return text if len(text) == digits and text.isdigit() else None


def valid_code9(code: object) -> str | None:
    """A 9-digit township code, else ``None``."""
    return valid_code(code, 9)


def code_order(geoms: gpd.GeoSeries) -> np.ndarray:
    """Positions sorted west→east, north→south by representative point (metric CRS)."""
    pts = geoms.representative_point()
    return np.lexsort((-pts.y.to_numpy().round(-3), pts.x.to_numpy()))


def next_codes(prefix: str, used: Iterable[str], n: int, *, suffix: str = "") -> list[str]:
    """*n* codes ``prefix + NNN + suffix`` whose 3-digit ``NNN`` no code in *used* has after
    the same prefix, lowest first (``001`` …)."""
    start = len(prefix)
    taken = {u[start:start + 3] for u in used if u.startswith(prefix)}
    free = (f"{seq:03d}" for seq in range(1, 1000) if f"{seq:03d}" not in taken)
    out = [prefix + tail + suffix for tail, _ in zip(free, range(n), strict=False)]
    if len(out) < n:
        msg = f"more than 999 areas under division code {prefix}: split them with real codes"
        raise ValueError(msg)
    return out


def _fill(admin: gpd.GeoDataFrame, level: str, prefix_of: dict[str, str], default: str,
          suffix: str) -> None:
    rows = admin.index[admin["level"] == level]
    prefix = pd.Series([prefix_of.get(p, default) if isinstance(p, str) else default
                        for p in admin.loc[rows, "parent_id"]], index=rows, dtype=object)
    known = [c for c in map(valid_code, admin.loc[rows, "code"]) if c]
    for pre, group in admin.loc[rows].groupby(prefix, sort=False):
        todo = group.index[[valid_code(c) is None for c in group["code"]]]
        if not len(todo):
            continue
        ordered = todo[code_order(admin.loc[todo].geometry)]
        new = next_codes(str(pre), known, len(ordered), suffix=suffix)
        admin.loc[ordered, "code"] = new
        known += new


def number_areas(admin: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill ``code`` for every township and village lacking a valid 12-digit one.

    *admin* holds ``area_id``, ``level``, ``parent_id``, ``code``, ``derived`` and geometry
    (metric CRS); returns a copy.  Derived villages without an ``area_id`` get ``"v" + code``.
    """
    admin = admin.copy()
    admin["code"] = pd.Series(admin.get("code"), index=admin.index, dtype=object)
    admin["area_id"] = admin["area_id"].astype(object)
    nine = (admin["level"] == "township") & admin["code"].map(valid_code9).notna()
    admin.loc[nine, "code"] = admin.loc[nine, "code"].astype(str).str.strip() + "000"
    counties = admin[admin["level"] == "county"]
    county6 = {a: p for a, c in zip(counties["area_id"], counties["code"], strict=True)
               if (p := _prefix(c, 6))}
    _fill(admin, "township", county6, PLACEHOLDER_COUNTY, "000")
    towns = admin[admin["level"] == "township"]
    town9 = {a: str(c)[:9] for a, c in zip(towns["area_id"], towns["code"], strict=True)}
    _fill(admin, "village", town9, PLACEHOLDER_COUNTY + "999", "")
    rows = (admin["level"] == "village") & admin["area_id"].isna()
    admin.loc[rows, "area_id"] = "v" + admin.loc[rows, "code"].astype(str)
    return admin


def _prefix(code: object, keep: int) -> str | None:
    full = valid_code(code)
    if full is not None:
        return full[:keep]
    return valid_code(code, keep)
