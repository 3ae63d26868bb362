"""Labels, legends and page text in Chinese (zh-CN, the default) and English.

Every string a map shows goes through :func:`t`; a key missing in English falls back to the
Chinese text, and a missing key altogether is a ``KeyError`` (caught by the tests).
"""

from __future__ import annotations

from typing import Literal

from maps.errors import MapInputError

Lang = Literal["zh", "en"]
LANGS: tuple[str, ...] = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_ZH: dict[str, str] = {
    "planner_title": "网格规划图",
    "inspector_title": "巡查路线图",
    "leader_title": "巡查覆盖图",
    "grids": "网格",
    "units": "基础单元",
    "townships": "乡镇/街道边界",
    "villages": "村/社区边界",
    "mines": "矿点",
    "fire_zones": "护林防火区",
    "visits_heat": "检查热力图",
    "member_counts": "党员人数",
    "route": "巡查路线",
    "stops": "巡查点",
    "code": "网格编码",
    "grid_id": "网格",
    "village": "村/社区",
    "worker": "网格员",
    "households": "户数",
    "population": "人口",
    "members": "党员",
    "mine_count": "矿点数",
    "fire_area_ha": "防火区面积(公顷)",
    "workload": "工作量",
    "deviation": "工作量偏差",
    "name": "名称",
    "kind": "类型",
    "status": "状态",
    "risk": "风险",
    "risk_class": "火险等级",
    "leader": "挂牌领导",
    "leaders": "包联领导",
    "area_ha": "面积(公顷)",
    "last_visit": "最近检查",
    "days_since": "距上次检查(天)",
    "never": "从未检查",
    "visits": "检查次数",
    "arrival": "到达",
    "departure": "离开",
    "start": "出发",
    "end": "返回",
    "to_check": "检查要点",
    "itinerary": "行程",
    "drive": "行车",
    "team": "小组",
    "date": "日期",
    "search_grid": "搜索网格编码",
    "edit_mode": "编辑模式",
    "edit_readonly": "以文件打开：只读",
    "edit_move": "移到网格（预览）",
    "edit_draw_hint": "画出新边界，然后选择网格",
    "edit_select_hint": "点击单元选择，再选目标网格",
    "edit_sent": "已提交",
    "edit_failed": "提交失败",
    "edit_confirm": "确认提交",
    "edit_discard": "放弃",
    "edit_check": "请核对编辑前后的工作量，再确认提交",
    "edit_conflict": "其他人刚修改了这个村的网格，已重新加载最新版本，请重新编辑",
    "edit_refused": "无法执行此编辑",
    "edit_nothing": "请先点击选择单元（或画出边界），再选目标网格",
    "edit_one_village": "所选单元和目标网格须属于同一个村/社区",
    "edit_units": "单元数",
    "edit_moved": "调整的单元",
    "cancel": "取消",
    "all_leaders": "全部领导",
    "filter_leader": "按包联领导筛选",
    "legend_deviation": "工作量偏差（相对目标）",
    "legend_days": "距上次检查",
    "legend_risk": "火险等级",
    "legend_mines": "矿点状态",
    "risk_1": "一般",
    "risk_2": "较高",
    "risk_3": "高",
    "status_producing": "生产",
    "status_suspended": "停产",
    "status_closed": "关闭",
    "status_abandoned": "废弃",
    "status_proposed": "拟建",
    "status_other": "其他",
    "days_0_7": "7天内",
    "days_8_30": "8–30天",
    "days_31_90": "31–90天",
    "days_90": "90天以上",
    "print": "打印",
    "kind_coal_mine": "煤矿",
    "kind_quarry": "采石场",
    "kind_other_mine": "矿山",
    "kind_enterprise": "企业",
    "kind_fire_zone": "护林防火区",
    "kind_checkpoint": "防火卡口",
    "kind_village": "村/社区",
    "kind_grid": "网格",
    "check_coal_mine": "是否超层越界、超能力生产；瓦斯监测、通风、井下人员定位；值班领导是否在岗",
    "check_closed_mine": "井口封闭是否完好；有无私挖盗采痕迹（新土、车辙、设备、用电）",
    "check_fire_zone": "卡口值守与登记；野外用火、祭祀用火；防火宣传与物资",
    "check_village": "网格员在岗与走访台账；重点人员与隐患排查；党支部工作",
    "check_other": "现场安全状况；整改落实情况",
}

_EN: dict[str, str] = {
    "planner_title": "Grid planning map",
    "inspector_title": "Inspection route",
    "leader_title": "Inspection coverage",
    "grids": "Grids",
    "units": "Units",
    "townships": "Township boundaries",
    "villages": "Village boundaries",
    "mines": "Mine sites",
    "fire_zones": "Fire zones",
    "visits_heat": "Visit heat map",
    "member_counts": "Party members",
    "route": "Route",
    "stops": "Stops",
    "code": "Grid code",
    "grid_id": "Grid",
    "village": "Village",
    "worker": "Grid worker",
    "households": "Households",
    "population": "Population",
    "members": "Party members",
    "mine_count": "Mines",
    "fire_area_ha": "Fire area (ha)",
    "workload": "Workload",
    "deviation": "Workload deviation",
    "name": "Name",
    "kind": "Kind",
    "status": "Status",
    "risk": "Risk",
    "risk_class": "Fire risk",
    "leader": "Named leader",
    "leaders": "Responsible leaders",
    "area_ha": "Area (ha)",
    "last_visit": "Last visit",
    "days_since": "Days since last visit",
    "never": "Never visited",
    "visits": "Visits",
    "arrival": "Arrive",
    "departure": "Leave",
    "start": "Start",
    "end": "End",
    "to_check": "What to check",
    "itinerary": "Itinerary",
    "drive": "Driving",
    "team": "Team",
    "date": "Date",
    "search_grid": "Search grid code",
    "edit_mode": "Edit mode",
    "edit_readonly": "Opened as a file: read-only",
    "edit_move": "Move to grid (preview)",
    "edit_draw_hint": "Draw the new boundary, then pick the grid",
    "edit_select_hint": "Click units to select them, then pick the target grid",
    "edit_sent": "Submitted",
    "edit_failed": "Submission failed",
    "edit_confirm": "Confirm",
    "edit_discard": "Discard",
    "edit_check": "Check the workload before and after, then confirm",
    "edit_conflict": "Someone else has just changed this village's grids: the latest version "
    "has been reloaded, please redo your edit",
    "edit_refused": "Edit refused",
    "edit_nothing": "Select units (or draw a boundary) first, then pick the target grid",
    "edit_one_village": "The selected units and the target grid must be in one village",
    "edit_units": "Units",
    "edit_moved": "Units moved",
    "cancel": "Cancel",
    "all_leaders": "All leaders",
    "filter_leader": "Filter by leader",
    "legend_deviation": "Workload deviation from target",
    "legend_days": "Days since last visit",
    "legend_risk": "Fire risk",
    "legend_mines": "Mine status",
    "risk_1": "Low",
    "risk_2": "Medium",
    "risk_3": "High",
    "status_producing": "Producing",
    "status_suspended": "Suspended",
    "status_closed": "Closed",
    "status_abandoned": "Abandoned",
    "status_proposed": "Proposed",
    "status_other": "Other",
    "days_0_7": "0–7 days",
    "days_8_30": "8–30 days",
    "days_31_90": "31–90 days",
    "days_90": "over 90 days",
    "print": "Print",
    "kind_coal_mine": "Coal mine",
    "kind_quarry": "Quarry",
    "kind_other_mine": "Mine",
    "kind_enterprise": "Enterprise",
    "kind_fire_zone": "Fire zone",
    "kind_checkpoint": "Fire checkpoint",
    "kind_village": "Village",
    "kind_grid": "Grid",
    "check_coal_mine": "Output within licence and layers; gas monitoring, ventilation, "
    "underground personnel tracking; duty manager on site",
    "check_closed_mine": "Shaft seals intact; no signs of illegal digging (fresh spoil, tracks, "
    "equipment, power)",
    "check_fire_zone": "Checkpoint staffed and logging; no open fires or ritual burning; "
    "fire-prevention notices and equipment",
    "check_village": "Grid worker on duty, visit records; key persons and hazards; Party branch",
    "check_other": "Site safety; follow-up of earlier findings",
}

_TABLES = {"zh": _ZH, "en": _EN}


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
    return _ZH[key]


def keys() -> frozenset[str]:
    """Every label key (for tests: both tables must agree)."""
    return frozenset(_ZH)
