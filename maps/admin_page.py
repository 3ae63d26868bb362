"""The administration page's HTML: four sections filled by ``admin.js`` from the service."""

from __future__ import annotations

from maps.i18n import t
from maps.shell import e


def _section(sid: str, title: str, lang: str, list_cls: str, form: str = "") -> str:
    return (f'<section class="gp-card gp-admin" id="{sid}"><h2>{e(t(title, lang))}</h2>{form}'
            f'<p class="gp-status" role="status" aria-live="polite"></p>'
            f'<div class="{list_cls}"></div></section>')


def _plan_form(lang: str) -> str:
    return ('<form class="gp-form">'
            f'<label>{e(t("date", lang))}<input type="date" name="date" required></label>'
            f'<label>{e(t("team", lang))}<select name="team" required data-gp-data>'
            "</select></label>"
            f'<label>{e(t("hours", lang))}<input type="number" name="hours" value="8" min="1" '
            'max="24" step="0.5" required></label>'
            f'<button type="submit" class="gp-btn gp-btn-primary">{e(t("plan_day", lang))}'
            f'</button></form><p class="gp-hint">{e(t("sealed_hint", lang))}</p>')


def _assign_form(lang: str) -> str:
    return ('<form class="gp-form">'
            f'<label>{e(t("leader_name", lang))}<select name="leader" required data-gp-data>'
            "</select></label>"
            f'<label>{e(t("kind", lang))}<select name="kind">'
            f'<option value="township">{e(t("assign_township", lang))}</option>'
            f'<option value="mine">{e(t("assign_mine", lang))}</option></select></label>'
            f'<label>{e(t("target", lang))}<select name="target_id" required data-gp-data>'
            "</select></label>"
            f'<button type="submit" class="gp-btn gp-btn-primary">{e(t("assign", lang))}'
            "</button></form>")


def admin_body(lang: str) -> str:
    """The page's main content (the header is added by the shell)."""
    return (f'<h1 class="gp-page-title">{e(t("nav_admin", lang))}</h1>'
            + _section("gp-users", "users_title", lang, "gp-users-list")
            + _section("gp-assignments", "assignments_title", lang, "gp-assign-list",
                       _assign_form(lang))
            + _section("gp-plans", "plans_title", lang, "gp-plans-list", _plan_form(lang))
            + _section("gp-imports", "imports_title", lang, "gp-imports-list"))
