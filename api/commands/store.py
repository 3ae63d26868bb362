"""``gridpatrol import …``, ``units build`` and ``layers``."""

from __future__ import annotations

import argparse
import logging
import sys

from api.commands.args import add_db_argument
from api.services import imports
from layers.bbox import BBox, parse_bbox
from layers.errors import InvalidBBoxError
from layers.store import open_store
from layers.summary import layer_table

log = logging.getLogger("gridpatrol")


def _bbox(text: str) -> BBox:
    try:
        return parse_bbox(text)
    except InvalidBBoxError as exc:
        raise argparse.ArgumentTypeError(f"--bbox: {exc}") from None


def _mapping(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        target, sep, source = item.partition("=")
        if not sep or not target or not source:
            msg = f"--map {item!r}: write target=source, e.g. --map households=HH_2020"
            raise argparse.ArgumentTypeError(msg)
        out[target.strip()] = source.strip()
    return out


def _import_osm(args: argparse.Namespace) -> int:
    from layers.importers.osm import import_osm

    store = open_store(args.db)
    counts = import_osm(store, args.file, progress=not args.quiet)
    imports.record(store, kind="osm", path=args.file, counts=counts)
    for layer, n in counts.items():
        sys.stdout.write(f"{layer:<20} {n:>7}\n")
    sys.stdout.write(f"store: {store.url}\n")
    return 0


def _import_mines(args: argparse.Namespace) -> int:
    from layers.importers.mines import import_mines

    store = open_store(args.db)
    n = import_mines(store, args.file, bbox=args.bbox, within=args.within,
                     encoding=args.encoding)
    imports.record(store, kind="mines", path=args.file, counts={"mine_sites": n})
    sys.stdout.write(f"mine_sites: {n} coal mines written to {store.url}\n")
    return 0


def _import_layer(args: argparse.Namespace) -> int:
    from layers.importers.files import import_file

    store = open_store(args.db)
    n = import_file(store, args.layer, args.file, crs=args.crs, mapping=_mapping(args.map),
                    source_layer=args.source_layer, encoding=args.encoding,
                    repair=args.repair, mode="append" if args.append else "replace")
    imports.record(store, kind="layer", path=args.file, counts={args.layer: n})
    sys.stdout.write(f"{args.layer}: {n} features written to {store.url}\n")
    return 0


def _import_register(args: argparse.Namespace) -> int:
    from api.services.register_store import import_register

    store = open_store(args.db, create=False)
    result = import_register(store, args.file, mapping=_mapping(args.map),
                             encoding=args.encoding, sheet=args.sheet, append=args.append)
    imports.record(store, kind="register", path=args.file,
                   counts={"rows": result.rows, "villages": result.matched})
    sys.stdout.write("\n".join(result.lines()) + "\n")
    return 0


def _units_build(args: argparse.Namespace) -> int:
    from api.services.units import build_units

    store = open_store(args.db, create=False)
    result = build_units(store, census=args.census, seed=args.seed, progress=not args.quiet)
    sys.stdout.write("\n".join(result.lines()) + "\n")
    return 0


def _layers(args: argparse.Namespace) -> int:
    store = open_store(args.db, create=False)
    sys.stdout.write(layer_table(store) + "\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the store commands."""
    imp = sub.add_parser("import", help="import OSM extracts, the coal-mine registry, GIS files")
    isub = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    p = isub.add_parser("osm", help="an OpenStreetMap extract (.osm, .osm.gz, .osm.bz2, .pbf)")
    p.add_argument("file")
    p.set_defaults(func=_import_osm)
    p = isub.add_parser("mines", help="the Global Energy Monitor coal-mine tracker CSV")
    p.add_argument("file")
    p.add_argument("--bbox", type=_bbox, help="keep mines in minx,miny,maxx,maxy (degrees)")
    p.add_argument("--within", help="keep mines inside this admin area (area_id)")
    p.add_argument("--encoding", help="text encoding if not UTF-8/UTF-16/GBK")
    p.set_defaults(func=_import_mines)
    p = isub.add_parser("register", help="a household register (户籍台账): CSV or .xlsx, one "
                        "row per village (code or name; 户数, 人口, 党员 …)")
    p.add_argument("file")
    p.add_argument("--map", nargs="*", metavar="FIELD=COLUMN",
                   help="name the column of a field (code, name, township, households, "
                   "population, members), e.g. --map households=户籍户数")
    p.add_argument("--encoding", help="CSV text encoding if not UTF-8/GBK (detected)")
    p.add_argument("--sheet", help="the workbook sheet (default: the first)")
    p.add_argument("--append", action="store_true",
                   help="add to the registers already imported instead of replacing them")
    p.set_defaults(func=_import_register)
    p = isub.add_parser("layer", help="a GeoJSON/GeoPackage/Shapefile/FlatGeobuf/CSV file")
    p.add_argument("layer", help="target layer, e.g. member_residences, admin_areas")
    p.add_argument("file")
    p.add_argument("--crs", help="the file's CRS if it has none (EPSG:4326, EPSG:4490, gcj02, "
                   "bd09, …) or to override it")
    p.add_argument("--map", nargs="*", metavar="TARGET=SOURCE",
                   help="rename source columns to layer fields")
    p.add_argument("--source-layer", help="the layer inside a multi-layer file")
    p.add_argument("--encoding", help="text encoding if not UTF-8/UTF-16/GBK")
    p.add_argument("--repair", action="store_true",
                   help="repair invalid geometries with make_valid (each repair is logged)")
    p.add_argument("--append", action="store_true", help="append instead of replacing")
    p.set_defaults(func=_import_layer)
    for p in (imp, *isub.choices.values()):
        add_db_argument(p)
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    units = sub.add_parser("units", help="build units and their figures")
    usub = units.add_subparsers(dest="what", required=True, metavar="WHAT")
    p = usub.add_parser("build", help="villages (if missing), units, figures, fire-zone risk")
    add_db_argument(p)
    p.add_argument("--census", help="CSV: unit_id or village_id, households[, population]")
    p.add_argument("--seed", type=int, default=0, help="seed for the unit splitting (default 0)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_units_build)

    p = sub.add_parser("layers", help="list the store's layers: features, geometry, CRS")
    add_db_argument(p)
    p.set_defaults(func=_layers)
