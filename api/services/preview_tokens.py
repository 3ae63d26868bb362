"""Preview tokens: what a preview showed, so that the commit writes exactly that.

A preview (:func:`api.services.grid_edits.preview_edit`) runs the edit once and returns a
token holding its outcome — the units whose grid changes and the grids it retires — bound to
the village's version and to a digest of the assignment it started from.  The commit
(:func:`api.services.grid_edits.commit_preview`) never re-runs the edit: it checks, inside its
write transaction, that the village is still at that version with that assignment, applies the
moves, checks the result against the digest the preview computed and against the partition's
constraints, and writes it.

The token is ``base64url(zlib(JSON))``: opaque to clients, self-contained (no server state,
so any API worker can commit it), and protected by a digest of its own content against
corruption.  It grants nothing an edit does not: the commit re-checks scope, version and
every constraint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from gis.errors import GisError
from layers.errors import ConflictError

FORMAT = 1
#: The largest token accepted (characters); a 1,500-unit village fits in a few kilobytes.
MAX_TOKEN_CHARS = 2_000_000


class PreviewTokenError(GisError, ValueError):
    """A preview token that is damaged, of another format or cannot apply (422)."""


def assignment_digest(assignment: Mapping[str, str]) -> str:
    """A digest of ``{unit_id: grid_id}`` (order-independent)."""
    h = hashlib.sha256()
    for unit in sorted(assignment):
        h.update(f"{unit}\t{assignment[unit]}\n".encode())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class PreviewToken:
    """The outcome of one previewed edit.

    Attributes
    ----------
    village, version
        The village and the version the preview was computed on.
    kind, grids
        The edit and the grids it touches (for the history's reason and the audit).
    base, result
        Digests (:func:`assignment_digest`) of the assignment before and after the edit.
    moves
        ``{unit_id: grid_id}`` of every unit whose grid changes.
    retired
        Grids the edit empties on purpose (a merge).
    """

    village: str
    version: int
    kind: str
    grids: tuple[str, ...]
    base: str
    result: str
    moves: dict[str, str]
    retired: tuple[str, ...] = ()

    def encode(self) -> str:
        """The token text."""
        body = {"f": FORMAT, "village": self.village, "version": self.version,
                "kind": self.kind, "grids": list(self.grids), "base": self.base,
                "result": self.result, "moves": self.moves, "retired": list(self.retired)}
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        body["check"] = hashlib.sha256(text.encode()).hexdigest()[:16]
        raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(zlib.compress(raw.encode(), 9)).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> PreviewToken:
        """Read a token; :class:`PreviewTokenError` when it is damaged or foreign."""
        bad = ("the preview token is damaged or incomplete: preview the edit again and "
               "send the token it returns unchanged")
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise PreviewTokenError(bad)
        try:
            raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            body = json.loads(raw)
            check = body.pop("check")
        except (binascii.Error, zlib.error, ValueError, KeyError, TypeError,
                AttributeError) as exc:
            raise PreviewTokenError(bad) from exc
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if check != hashlib.sha256(text.encode()).hexdigest()[:16]:
            raise PreviewTokenError(bad)
        if body.get("f") != FORMAT:
            raise PreviewTokenError(f"the preview token has format {body.get('f')!r}, this "
                                    f"service reads {FORMAT}: preview the edit again")
        return cls(village=str(body["village"]), version=int(body["version"]),
                   kind=str(body["kind"]), grids=tuple(map(str, body["grids"])),
                   base=str(body["base"]), result=str(body["result"]),
                   moves={str(u): str(g) for u, g in dict(body["moves"]).items()},
                   retired=tuple(map(str, body["retired"])))

    def apply(self, base: Mapping[str, str]) -> dict[str, str]:
        """The assignment after the edit, from the assignment *base* it was previewed on.

        Raises :class:`layers.errors.ConflictError` when *base* is not the assignment the
        preview started from, :class:`PreviewTokenError` when the result is not the one the
        preview showed.
        """
        if assignment_digest(base) != self.base:
            raise ConflictError(
                f"village {self.village} is not as it was previewed (its units or grids "
                "changed since): preview the edit again")
        unknown = sorted(set(self.moves) - set(base))
        if unknown:
            raise PreviewTokenError(f"the preview token moves unknown unit(s) {unknown[:10]}: "
                                    "preview the edit again")
        after = {**base, **self.moves}
        if assignment_digest(after) != self.result:
            raise PreviewTokenError("the preview token does not give the previewed grids: "
                                    "preview the edit again")
        emptied = set(base.values()) - set(after.values())
        if emptied != set(self.retired):
            raise PreviewTokenError(
                f"the preview token would empty grid(s) {sorted(emptied)[:10]} without "
                "merging them: preview the edit again")
        return after
