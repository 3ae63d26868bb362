"""The rectification cases' layers: the current state of each case, its history, the tables.

``cases`` holds one row per case, its current state denormalised for lists and maps (site,
grid, village, township, topic, severity, unit, deadline …), at the site's point.
``case_events`` is the history, append-only: every action (who, when, from which state to
which, the note, the evidence, the photos) is a new row, never an update; the case row and
its event land in one transaction with the audit event.  ``case_deadlines`` is the county's
deadline table (by topic and severity) once an admin has loaded one, and
``assessment_weights`` the scoreboard's weights (shipped defaults in ``data/`` otherwise).
"""

from __future__ import annotations

from layers.schema_types import LayerSchema, _f

CASE_SCHEMAS: tuple[LayerSchema, ...] = (
    LayerSchema(
        "cases", "Point", "case_id",
        (_f("case_id", "str", True, "stable id (a finding's case: the finding id)"),
         _f("code", "str", True, "案件编号, e.g. AJ20260303-0007"),
         _f("state", "str", True, "open | assigned | rectifying | recheck_requested | "
                                  "closed | parked"),
         _f("version", "int", True, "1, 2, …: the ETag; bumped by every action"),
         _f("source", "str", True, "field | api | import"),
         _f("finding_id", "str", doc="the field finding it was opened from (one case each)"),
         _f("checkin_id", "str", doc="the check-in where it was found"),
         _f("external_id", "str", doc="the number in an imported list"),
         _f("site_id", "str", True), _f("site_kind", "str"), _f("site_name", "str"),
         _f("grid_id", "str"), _f("village_id", "str"), _f("township_id", "str"),
         _f("topic", "str", True, "one of the eight topics"),
         _f("severity", "str", True, "general (一般) | serious (较大) | major (重大)"),
         _f("text", "str", True), _f("photo_ids", "json", doc="the finding's photos"),
         _f("unit", "str", doc="the responsible unit (责任单位)"),
         _f("person", "str", doc="the person responsible (责任人)"),
         _f("deadline", "datetime", doc="rectification deadline (end of a local day)"),
         _f("recheck_due", "datetime", doc="re-check deadline once a re-check is asked"),
         _f("plan", "json", doc="五落实: measures, money, deadline, person, contingency"),
         _f("rectifiers", "json", doc="who rectified (never the re-checker)"),
         _f("opened_by", "str", True), _f("opened_at", "datetime", True),
         _f("opened_day", "str", True, "local ISO date it was opened (numbers the codes)"),
         _f("updated_by", "str"), _f("updated_at", "datetime", True),
         _f("recheck_requested_at", "datetime"),
         _f("closed_at", "datetime"), _f("closed_by", "str"),
         _f("closed_on_time", "bool", doc="the accepted re-check was asked by the deadline"),
         _f("parked_from", "str"), _f("parked_reason", "str", doc="挂账说明"),
         _f("review_date", "str", doc="ISO date a parked case is reviewed")),
        "Rectification cases (隐患整改): current state, one row per case.",
        "整改案件"),
    LayerSchema(
        "case_events", "None", "event_id",
        (_f("event_id", "str", True), _f("case_id", "str", True),
         _f("version", "int", True, "the case's version after the event"),
         _f("action", "str", True), _f("from_state", "str"), _f("to_state", "str", True),
         _f("user", "str", True), _f("role", "str"), _f("time", "datetime", True),
         _f("note", "str"), _f("photo_ids", "json"),
         _f("evidence", "json", doc="re-check check-in, distance, unit, plan, deadline …")),
        "Every action on a case (append-only history).",
        "案件流转记录"),
    LayerSchema(
        "case_deadlines", "None", "rule_id",
        (_f("rule_id", "str", True, "topic:severity"), _f("topic", "str", True),
         _f("severity", "str", True), _f("days", "int", True),
         _f("recheck_days", "int", True), _f("source", "str"), _f("loaded_by", "str"),
         _f("loaded_at", "datetime")),
        "The county's rectification deadlines by topic and severity (once loaded).",
        "整改时限"),
    LayerSchema(
        "assessment_weights", "None", "item_id",
        (_f("item_id", "str", True), _f("weight", "float", True), _f("source", "str"),
         _f("loaded_by", "str"), _f("loaded_at", "datetime")),
        "The scoreboard's weights (督导考核 items) the county set.",
        "考核权重"),
)
