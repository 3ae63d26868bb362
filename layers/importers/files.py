"""Import any GIS file into a named layer: GeoJSON, GeoPackage, Shapefile (zip too),
FlatGeobuf, and CSV with lon/lat or WKT columns — with field mapping and CRS handling.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from gis.crs import to_storage
from gis.errors import CRSError
from layers.errors import InputFileError, ValidationError
from layers.importers.sources import detect_encoding, require_file, suffix_of, vector_readable
from layers.schemas import schema_for
from layers.store import Store
from layers.validate import conform

log = logging.getLogger(__name__)
LON = ("lon", "lng", "long", "longitude", "x", "经度")
LAT = ("lat", "latitude", "y", "纬度")
WKT = ("wkt", "geometry", "geom", "the_geom")


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {str(c).strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def read_csv_layer(path: Path, *, encoding: str | None = None) -> gpd.GeoDataFrame:
    """A CSV with lon/lat (or x/y, 经度/纬度) or WKT columns; no CRS (give ``--crs``)."""
    enc = detect_encoding(path, declared=encoding)
    text = path.read_bytes().decode(enc)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"{path}: not a readable CSV ({exc}); check the delimiter and quoting"
        raise InputFileError(msg) from exc
    if frame.empty:
        msg = f"{path}: the CSV has a header but no rows"
        raise InputFileError(msg)
    cols = list(frame.columns)
    wkt, lon, lat = _pick(cols, WKT), _pick(cols, LON), _pick(cols, LAT)
    if wkt is not None:
        try:
            geoms = shapely.from_wkt(frame[wkt].fillna("").replace("", None).to_numpy(),
                                     on_invalid="raise")
        except shapely.errors.GEOSException as exc:
            msg = f"{path}: field {wkt!r} holds text that is not WKT ({exc})"
            raise InputFileError(msg) from exc
        frame = frame.drop(columns=[wkt])
    elif lon is not None and lat is not None:
        x = pd.to_numeric(frame[lon], errors="coerce")
        y = pd.to_numeric(frame[lat], errors="coerce")
        bad = x.isna() | y.isna()
        if bad.any():
            rows = ", ".join(str(i + 2) for i in frame.index[bad][:10])
            msg = f"{path}: fields {lon!r}/{lat!r} are not numbers on line(s) {rows}"
            raise InputFileError(msg)
        geoms = shapely.points(x.to_numpy(), y.to_numpy())
        frame = frame.drop(columns=[lon, lat])
    else:
        msg = (f"{path}: no geometry columns: give lon/lat (or lng/lat, x/y, 经度/纬度) columns "
               f"or a WKT column (found: {', '.join(map(str, cols))})")
        raise InputFileError(msg)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=None)


def read_vector(path: str | Path, *, source_layer: str | None = None,
                encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a file in its own CRS (``crs`` is ``None`` when the file declares none)."""
    p = require_file(path)
    if suffix_of(p) == ".csv":
        return read_csv_layer(p, encoding=encoding)
    with vector_readable(p) as src:
        try:
            layers = pyogrio.list_layers(src)
            if source_layer is None and len(layers) > 1:
                names = ", ".join(str(n) for n in layers[:, 0])
                msg = f"{p}: holds several layers ({names}); choose one with --source-layer"
                raise InputFileError(msg)
            frame = pyogrio.read_dataframe(src, layer=source_layer, encoding=encoding)
        except InputFileError:
            raise
        except Exception as exc:
            msg = f"{p}: cannot be read ({exc}); the file is truncated, corrupt or not of " \
                  "the format its name says"
            raise InputFileError(msg) from exc
    if frame.empty:
        msg = f"{p}: the file holds no features"
        raise InputFileError(msg)
    return frame


def apply_mapping(frame: pd.DataFrame, mapping: Mapping[str, str], *, layer: str,
                  source: str) -> pd.DataFrame:
    """Rename source columns to layer fields (``{target: source}``); add ids if absent."""
    schema = schema_for(layer)
    unknown_targets = [t for t in mapping if t not in schema.field_names]
    if unknown_targets:
        msg = (f"{source}: --map target(s) {', '.join(unknown_targets)} are not fields of "
               f"layer {layer!r} (its fields: {', '.join(schema.field_names)})")
        raise ValidationError(msg)
    missing = [s for s in mapping.values() if s not in frame.columns]
    if missing:
        msg = (f"{source}: --map source column(s) {', '.join(missing)} not in the file (its "
               f"columns: {', '.join(map(str, frame.columns.drop('geometry', errors='ignore')))})")
        raise ValidationError(msg)
    out = frame.rename(columns={s: t for t, s in mapping.items()})
    if schema.id_field not in out.columns:
        stem = Path(source).stem
        out[schema.id_field] = [f"{stem}-{i + 1}" for i in range(len(out))]
        log.info("%s: no %s column; ids %s-1 … numbered by row", source, schema.id_field, stem)
    if "source" in schema.field_names and "source" not in out.columns:
        out["source"] = Path(source).name
    return out


def import_file(store: Store, layer: str, path: str | Path, *, crs: str | None = None,
                mapping: Mapping[str, str] | None = None, source_layer: str | None = None,
                encoding: str | None = None, repair: bool = False,
                mode: str = "replace") -> int:
    """Import *path* into *layer* (``mode`` replace or append); nothing written on error."""
    schema = schema_for(layer)
    frame = read_vector(path, source_layer=source_layer, encoding=encoding)
    where = f"{path}" + (f" (layer {source_layer!r})" if source_layer else "")
    try:
        frame = to_storage(frame, assume=crs, what=where)
    except CRSError:
        raise
    frame = apply_mapping(frame, mapping or {}, layer=layer, source=str(path))
    frame = conform(frame, schema, source=str(path), repair=repair)
    with store.transaction() as tx:
        return tx.append(layer, frame) if mode == "append" else tx.replace(layer, frame)
