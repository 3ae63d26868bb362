"""Our page script: ES modules under ``maps/static/gridpatrol/``, joined into one classic script.

The modules are the source (one concern each, ``import``/``export`` between them).  Pages load
them as ONE classic script (:func:`bundle`), in the page head, for three reasons: folium's own
inline scripts call ``GP`` (hover, markers, ``GP.init``) as the page is parsed, which deferred
modules would be too late for; a map opened from a file (``file://``) cannot load modules
(Chromium refuses them without an origin); and one request with a content-hashed name is what
a phone on a slow network wants.  Other apps (the field app) may import the modules natively.

The join is a small, strict transformation, not a general bundler.  A module may use only:

* ``import { a, b as c } from './x.js';`` (relative, braces; over several lines is fine);
* ``export function f``, ``export async function f``, ``export class C``,
  ``export const|let x``, and ``export { a, b as c };``.

Anything else (default exports, ``import *``, bare specifiers, dynamic ``import()``) raises
:class:`BundleError` naming the file and line, so the tests catch it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from maps.errors import MapError

STATIC_DIR = Path(__file__).resolve().parent / "static"
ENTRY = "gridpatrol/main.js"
BUNDLE_NAME = "gridpatrol/bundle.js"
#: Joined script name → its entry module: the maps' script and the administration page's.
BUNDLES: dict[str, str] = {BUNDLE_NAME: ENTRY, "gridpatrol/admin.bundle.js": "gridpatrol/admin.js"}

_IMPORT = re.compile(r"^import\s*\{([^}]*)\}\s*from\s*['\"]([^'\"]+)['\"]\s*;?[ \t]*$",
                     re.MULTILINE)
_EXPORT_DECL = re.compile(
    r"^export\s+((?:async\s+)?function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\}\s*;?[ \t]*$", re.MULTILINE)
_FORBIDDEN = re.compile(r"^\s*(?:export\s+default\b|export\s*\*|import\s*\*|import\s+[\w$]+"
                        r"|import\s*\(|import\s+['\"])", re.MULTILINE)


class BundleError(MapError, ValueError):
    """A module uses syntax the bundler does not handle (file and line named)."""


@dataclass(frozen=True)
class Module:
    """One parsed module: its imports, exported names and body without import/export."""

    path: str
    imports: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    exports: tuple[tuple[str, str], ...]
    body: str


def _names(text: str) -> tuple[tuple[str, str], ...]:
    """``a, b as c`` → ``(("a", "a"), ("b", "c"))`` (exported/imported name, local name)."""
    out = []
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) == 3 and words[1] == "as":
            out.append((words[0], words[2]))
        elif len(words) == 1:
            out.append((words[0], words[0]))
        else:
            raise BundleError(f"cannot read the name list {text.strip()!r}")
    return tuple(out)


def _line(source: str, pos: int) -> int:
    return source.count("\n", 0, pos) + 1


def parse(path: str, source: str) -> Module:
    """Parse the module at *path* (relative to the static folder)."""
    bad = _FORBIDDEN.search(source)
    if bad:
        msg = (f"maps/static/{path}:{_line(source, bad.start())}: unsupported module syntax "
               f"{bad.group(0).strip()!r}: use `import {{ a }} from './x.js'` and named exports")
        raise BundleError(msg)
    imports = []
    for m in _IMPORT.finditer(source):
        spec = m.group(2)
        if not spec.startswith("."):
            msg = (f"maps/static/{path}:{_line(source, m.start())}: import {spec!r} must be "
                   "relative ('./x.js')")
            raise BundleError(msg)
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
        imports.append((target, _names(m.group(1))))
    exports = [(name, name) for _, name in _EXPORT_DECL.findall(source)]
    for m in _EXPORT_LIST.finditer(source):
        exports += [(local, public) for local, public in _names(m.group(1))]
    body = _IMPORT.sub("", source)
    body = _EXPORT_LIST.sub("", body)
    body = _EXPORT_DECL.sub(lambda m: f"{m.group(1)} {m.group(2)}", body)
    return Module(path, tuple(imports), tuple(exports), body)


def _order(entry: str, read: dict[str, Module]) -> list[str]:
    """Modules reachable from *entry*, dependencies first (a cycle is an error)."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(path: str) -> None:
        if path in done:
            return
        if path in visiting:
            raise BundleError(f"maps/static/{path}: import cycle")
        visiting.add(path)
        if path not in read:
            file = STATIC_DIR / path
            if not file.is_file():
                raise BundleError(f"maps/static/{path}: imported but missing")
            read[path] = parse(path, file.read_text(encoding="utf-8"))
        for dep, _ in read[path].imports:
            visit(dep)
        visiting.discard(path)
        done.append(path)

    visit(entry)
    return done


def _wrap(mod: Module) -> str:
    lines = [f"/* ---- {mod.path} ---- */", f"__gp[{json.dumps(mod.path)}] = (function () {{"]
    for dep, names in mod.imports:
        binds = ", ".join(f"{src}: {local}" if src != local else src for src, local in names)
        lines.append(f"  const {{ {binds} }} = __gpImport({json.dumps(dep)}, "
                     f"{json.dumps([s for s, _ in names])}, {json.dumps(mod.path)});")
    lines.append(mod.body.strip("\n"))
    exported = ", ".join(f"{public}: {local}" for local, public in mod.exports)
    lines.append(f"  return {{ {exported} }};")
    lines.append("})();")
    return "\n".join(lines)


_PRELUDE = """var __gp = {};
function __gpImport(path, names, from) {
  var m = __gp[path];
  names.forEach(function (n) {
    if (!(n in m)) throw new Error(from + ': ' + path + ' does not export ' + n);
  });
  return m;
}"""


@cache
def bundle(entry: str = ENTRY) -> str:
    """The modules reachable from *entry* as one classic script (cached per process)."""
    read: dict[str, Module] = {}
    order = _order(entry, read)
    parts = [_wrap(read[p]) for p in order]
    header = "/* GridPatrol page script (MIT), joined from maps/static/gridpatrol/*.js */"
    return "\n".join([header, "(function () {", "'use strict';", _PRELUDE, *parts, "})();", ""])


@cache
def static_digest() -> str:
    """A short hash of every file under ``maps/static`` and of the bundle: the asset version."""
    h = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(STATIC_DIR).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    for entry in BUNDLES.values():
        h.update(bundle(entry).encode())
    return h.hexdigest()[:12]
