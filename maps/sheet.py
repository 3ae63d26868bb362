"""The printable day sheet (巡查任务单) for one team: plain HTML/CSS, no external assets.

zh-CN by default (``lang="en"`` for English labels).  The sheet never shows the plan's
seed.  It takes plain dicts so that it needs no store access.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_LABELS = {
    "zh": {"title": "巡查任务单", "team": "巡查组", "date": "日期", "depart": "出发",
           "back": "返回", "drive": "驾驶时间", "no": "序号", "site": "点位", "kind": "类型",
           "arrive": "到达", "leave": "离开", "roads": "行驶路线", "sign": "检查情况 / 签字",
           "secret": "内部资料 · 四不两直 · 请勿外传", "none": "今日无巡查点位",
           "kinds": {"coal_mine": "煤矿", "quarry": "采石场", "other_mine": "矿山",
                     "enterprise": "企业", "fire_zone": "护林防火卡口", "village": "村/社区",
                     "grid": "网格"}},
    "en": {"title": "Inspection sheet", "team": "Team", "date": "Date", "depart": "Depart",
           "back": "Back", "drive": "Driving", "no": "#", "site": "Site", "kind": "Kind",
           "arrive": "Arrive", "leave": "Leave", "roads": "Roads", "sign": "Findings / signature",
           "secret": "Internal · unannounced inspection · do not share",
           "none": "No sites today", "kinds": {}},
}
#: Unnamed roads are called by their class, e.g. ``(track)``; in Chinese sheets by these names.
_CLASS_ZH = {"motorway": "高速公路", "motorway_link": "匝道", "trunk": "国道", "primary": "国省道",
             "secondary": "省道", "tertiary": "县道", "unclassified": "乡道", "road": "道路",
             "residential": "村道", "living_street": "街巷", "service": "辅路", "track": "机耕路"}
_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:16mm;
color:#111;font-size:11pt}
h1{font-size:18pt;margin:0 0 4pt}.meta{margin:0 0 10pt}.meta span{margin-right:14pt}
.secret{color:#a00;font-size:9pt}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #444;padding:4pt 6pt;vertical-align:top;text-align:left}
th{background:#eee}td.sign{width:30%}.roads{font-size:9pt;color:#333}
@media print{body{margin:10mm}tr{page-break-inside:avoid}}
"""


def _road(name: str, lang: str) -> str:
    if lang == "zh" and name.startswith("(") and name.endswith(")"):
        return f"({_CLASS_ZH.get(name[1:-1], name[1:-1])})"
    return name


def clock(start_hhmm: str, seconds: float) -> str:
    """The clock time ``HH:MM`` *seconds* after *start_hhmm* (rounded to the minute)."""
    h, m = (int(x) for x in start_hhmm.split(":"))
    total = h * 60 + m + int(round(seconds / 60))
    return f"{(total // 60) % 24:02d}:{total % 60:02d}"


def day_sheet_html(
    *,
    date: str,
    team: str,
    stops: Sequence[dict],
    drive_s: float,
    end_s: float,
    start: str = "08:00",
    lang: str = "zh",
) -> str:
    """The printable sheet for one team's day.

    Parameters
    ----------
    date, team
        ISO date and team label.
    stops
        Ordered stops: ``name``, ``site_id``, ``kind``, ``arrival_s``, ``departure_s``
        (seconds after *start*) and ``roads`` (road names driven to reach the stop).
    drive_s, end_s
        Total drive time and return time, seconds after *start*.
    start
        Departure clock time ``HH:MM``.
    lang
        ``"zh"`` (default) or ``"en"``.
    """
    t = _LABELS.get(lang, _LABELS["zh"])
    rows = []
    for k, s in enumerate(stops, 1):
        kind = t["kinds"].get(str(s.get("kind")), str(s.get("kind", "")))
        roads = " → ".join(escape(_road(str(r), lang)) for r in s.get("roads", []))
        rows.append(
            f"<tr><td>{k}</td><td><b>{escape(str(s.get('name') or s['site_id']))}</b>"
            f"<div class='roads'>{escape(t['roads'])}: {roads}</div></td>"
            f"<td>{escape(kind)}</td><td>{clock(start, s['arrival_s'])}</td>"
            f"<td>{clock(start, s['departure_s'])}</td><td class='sign'></td></tr>")
    body = "\n".join(rows) or f"<tr><td colspan='6'>{escape(t['none'])}</td></tr>"
    html_lang = "zh-CN" if lang == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<title>{escape(t['title'])} {escape(date)} {escape(team)}</title><style>{_CSS}</style></head>
<body><h1>{escape(t['title'])}</h1>
<p class="meta"><span>{escape(t['date'])}: {escape(date)}</span>
<span>{escape(t['team'])}: {escape(team)}</span><span>{escape(t['depart'])}: {start}</span>
<span>{escape(t['back'])}: {clock(start, end_s)}</span>
<span>{escape(t['drive'])}: {drive_s / 60:.0f} min</span></p>
<p class="secret">{escape(t['secret'])}</p>
<table><thead><tr><th>{escape(t['no'])}</th><th>{escape(t['site'])}</th>
<th>{escape(t['kind'])}</th><th>{escape(t['arrive'])}</th><th>{escape(t['leave'])}</th>
<th>{escape(t['sign'])}</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
"""
