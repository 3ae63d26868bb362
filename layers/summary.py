"""A plain-text table of a store's layers: features, geometry type, CRS."""

from __future__ import annotations

from layers.schemas import SCHEMAS
from layers.store import Reader


def layer_rows(store: Reader) -> list[tuple[str, int, str, str]]:
    """``(layer, features, geometry type, CRS)`` for each layer present in *store*."""
    rows = []
    for name in store.layers():
        schema = SCHEMAS[name]
        geom = schema.geometry_type if schema.is_spatial else "(table)"
        crs = "EPSG:4326" if schema.is_spatial else "-"
        rows.append((name, store.count(name), geom, crs))
    return rows


def layer_table(store: Reader) -> str:
    """The rows of :func:`layer_rows` as an aligned table."""
    lines = [f"{'layer':<20} {'features':>8}  {'geometry':<13} crs"]
    lines += [f"{n:<20} {c:>8}  {g:<13} {crs}" for n, c, g, crs in layer_rows(store)]
    return "\n".join(lines)
