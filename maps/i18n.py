"""Labels, legends and page text in Chinese (zh-CN, the default) and English.

Every string a map shows goes through :func:`t`; a key missing in English falls back to the
Chinese text, and a missing key altogether is a ``KeyError`` (caught by the tests).
"""

from __future__ import annotations

import re
from typing import Literal

from maps.errors import MapInputError
from maps.i18n_en import LABELS as EN
from maps.i18n_zh import LABELS as ZH

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_TABLES = {"zh": ZH, "en": EN}


def check_lang(lang: str) -> Lang:
    """Return *lang* if it is ``zh`` or ``en``, else raise :class:`MapInputError`."""
    if lang not in LANGS:
        msg = f"unknown map language {lang!r}: use zh (Chinese, the default) or en"
        raise MapInputError(msg)
    return lang  # type: ignore[return-value]


def t(key: str, lang: str = "zh") -> str:
    """The label *key* in *lang* (English falls back to Chinese; unknown keys raise KeyError)."""
    table = _TABLES[check_lang(lang)]
    if key in table:
        return table[key]
    return ZH[key]


def keys() -> frozenset[str]:
    """Every label key (for tests: both tables must agree)."""
    return frozenset(ZH)


def table(lang: str) -> dict[str, str]:
    """Every label in *lang* (English gaps filled from Chinese): what a page's script gets."""
    return {**ZH, **_TABLES[check_lang(lang)]}


#: The service's refusal reasons (English sentences from :mod:`gis.edits` and the grid API)
#: recognised by a page and said in the user's language: ``(regex, label key, group names)``.
#: The regexes are plain enough to mean the same in Python and JavaScript.
ERROR_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (r"grid (\S+) is an exclusive grid", "why_pinned", ("grid",)),
    (r"unit (\S+) belongs to village \S+ but grid", "why_cross_village", ("unit",)),
    (r"grid (\S+) would be left with no units", "why_empty", ("grid",)),
    (r"grid (\S+) would fall into (\d+) disconnected pieces", "why_pieces", ("grid", "n")),
    (r"grid (\S+) has a single unit", "why_single", ("grid",)),
    (r"grid id (\S+) already exists", "why_exists", ("grid",)),
    (r"the two grids are the same grid", "why_same", ()),
    (r"grids (\S+) and (\S+) are in different villages", "why_villages", ("a", "b")),
    (r"the drawn polygon is not valid \(([^)]*)\)", "why_polygon", ("reason",)),
    (r"the polygon covers no unit of village", "why_no_cover", ()),
    (r"no free neighbouring grid", "why_no_neighbour", ()),
    (r"no grid\(s\) \[([^\]]*)\] that you may edit", "why_not_yours", ("grids",)),
    (r"no plan has been dispatched to you", "why_no_plan", ()),
)


def explain(text: str, lang: str = "zh") -> list[str]:
    """The reasons in an English error *text* that :data:`ERROR_PATTERNS` knows, in *lang*."""
    out: list[str] = []
    for part in re.split(r";\s*", text):
        for pattern, key, names in ERROR_PATTERNS:
            m = re.search(pattern, part)
            if m:
                sentence = t(key, lang)
                for name, value in zip(names, m.groups(), strict=False):
                    sentence = sentence.replace("{" + name + "}", value)
                if sentence not in out:
                    out.append(sentence)
                break
    return out
