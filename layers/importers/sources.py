"""Opening input files: existence, format, compression, encoding — with messages that help.

Shared by every importer: each failure is an :class:`~layers.errors.InputFileError` naming the
file and saying how to fix it.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from layers.errors import InputFileError

OSM_SUFFIXES = (".osm", ".osm.gz", ".osm.bz2", ".osm.pbf", ".pbf")
VECTOR_SUFFIXES = {
    ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile",
    ".zip": "zipped Shapefile", ".fgb": "FlatGeobuf", ".csv": "CSV",
}


def require_file(path: str | Path) -> Path:
    """The path, if it names a readable, non-empty file."""
    p = Path(path)
    if not p.exists():
        msg = f"{p}: no such file; check the path (relative paths start at {Path.cwd()})"
        raise InputFileError(msg)
    if p.is_dir():
        msg = f"{p}: is a folder, not a file; name the file inside it"
        raise InputFileError(msg)
    if p.stat().st_size == 0:
        msg = f"{p}: the file is empty (0 bytes); export it again"
        raise InputFileError(msg)
    return p


def suffix_of(path: Path) -> str:
    """The lower-case suffix, with ``.osm.gz``-style double suffixes kept together."""
    name = path.name.lower()
    for double in (".osm.gz", ".osm.bz2", ".osm.pbf"):
        if name.endswith(double):
            return double
    return path.suffix.lower()


@contextmanager
def osm_readable(path: Path) -> Iterator[str]:
    """A path GDAL's OSM driver can read: gzip via ``/vsigzip/``, bzip2 via a temp file."""
    suffix = suffix_of(path)
    if suffix not in OSM_SUFFIXES:
        msg = (f"{path}: unknown OpenStreetMap format {suffix or '(no suffix)'!r}; "
               "give a .osm, .osm.gz, .osm.bz2 or .osm.pbf file")
        raise InputFileError(msg)
    if suffix == ".osm.gz":
        _check_compressed(path, gzip.open)
        yield f"/vsigzip/{path.resolve()}"
    elif suffix == ".osm.bz2":
        with tempfile.TemporaryDirectory(prefix="gridpatrol-osm-") as tmp:
            out = Path(tmp) / "extract.osm"
            try:
                with bz2.open(path, "rb") as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (OSError, EOFError) as exc:
                msg = f"{path}: the bzip2 data is truncated or corrupt ({exc}); download it again"
                raise InputFileError(msg) from exc
            yield str(out)
    else:
        yield str(path.resolve())


def _check_compressed(path: Path, opener) -> None:  # noqa: ANN001
    try:
        with opener(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError) as exc:
        msg = f"{path}: the compressed data is truncated or corrupt ({exc}); download it again"
        raise InputFileError(msg) from exc


@contextmanager
def vector_readable(path: Path) -> Iterator[str]:
    """A path pyogrio can read: zipped shapefiles via ``/vsizip/``."""
    suffix = suffix_of(path)
    if suffix not in VECTOR_SUFFIXES:
        known = ", ".join(sorted(VECTOR_SUFFIXES))
        msg = f"{path}: unknown format {suffix or '(no suffix)'!r}; GridPatrol reads {known}"
        raise InputFileError(msg)
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                shps = [n for n in zf.namelist() if n.lower().endswith(".shp")]
        except zipfile.BadZipFile as exc:
            msg = f"{path}: not a valid zip archive ({exc}); zip the shapefile again"
            raise InputFileError(msg) from exc
        if len(shps) != 1:
            msg = f"{path}: expected exactly one .shp inside the zip, found {len(shps)}"
            raise InputFileError(msg)
        yield f"/vsizip/{path.resolve()}/{shps[0]}"
    else:
        yield str(path)


def _bad_bytes(path: Path, raw: bytes, enc: str, exc: UnicodeDecodeError) -> str:
    line = raw[:exc.start].count(b"\n") + 1
    col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    bad = raw[exc.start:exc.end].hex(" ")
    return (f"{path.name}:{line}: byte(s) {bad} at byte {col} of line {line} are not valid "
            f"{enc}")


def detect_encoding(path: Path, *, declared: str | None = None) -> str:
    """The text encoding of a CSV: *declared* if given, else UTF-8/UTF-16 (BOM) or GBK.

    Chinese data often arrives as GBK (GB18030) or UTF-16 (Excel's "Unicode text").  A file
    that decodes as none of them is refused, naming the line and the bytes where the likeliest
    encoding (the one that reads furthest) breaks, and the encodings to try.
    """
    raw = path.read_bytes()
    if declared:
        try:
            codecs.lookup(declared)
            raw.decode(declared)
        except LookupError as exc:
            msg = f"{path}: unknown encoding {declared!r}; try --encoding utf-8, gbk or utf-16"
            raise InputFileError(msg) from exc
        except UnicodeDecodeError as exc:
            msg = (f"{_bad_bytes(path, raw, declared, exc)}: the file is not {declared}; fix "
                   "that character or try --encoding utf-8, gbk or utf-16")
            raise InputFileError(msg) from exc
        return declared
    candidates = ["utf-8", "gb18030"]
    if raw.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif len(raw) > 3 and raw[1::2].count(0) > len(raw) // 4:
        candidates = ["utf-16-le"]
    failures: list[tuple[int, str, UnicodeDecodeError]] = []
    for enc in candidates:
        try:
            raw.decode(enc)
        except UnicodeDecodeError as exc:
            failures.append((exc.start, enc, exc))
            continue
        return enc
    _, enc, exc = max(failures, key=lambda f: f[0])
    msg = (f"{_bad_bytes(path, raw, enc, exc)} (the file reads as {enc} up to there, and as "
           "neither UTF-8 nor GBK/GB18030 as a whole): fix or delete that character and save "
           "the file again as UTF-8 or GBK, or give its encoding with --encoding (e.g. big5)")
    raise InputFileError(msg)
