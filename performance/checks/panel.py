"""The 复核 panel of the project page (docs/checks.md): the unit's self-score and finance's 复核
score side by side, indicator by indicator, with the execution score, totals, grades, the
deviation and the 复核结论.

Who sees it: finance always; the unit's members and its 主管部门 only once the check is 已复核
(performance.access.may_see_check) — the reviewer's work in progress is not shown to the unit.
Queries: two (the check, its scores), plus scoring's when the page passes no `result`."""

from __future__ import annotations

from django.urls import reverse

from performance.access import may_see_check, sees_all_units
from performance.models import CheckedProject, CheckScore, CheckStatus
from performance.services.scoring import score_project_period

from .sidebyside import Entry, Side, side_by_side


def check_panel(user, project, period, result=None) -> dict | None:
    """What templates/checks/_project_panel.html shows, or None when `project` has no check in
    `period` or `user` may not see it. `result`: the page's ProjectResult of `project` in
    `period`, if it has one (saves scoring the project again)."""
    if period is None:
        return None
    checked = (CheckedProject.objects.select_related("batch", "reviewer", "concluded_by")
               .filter(period=period, project=project).first())
    if checked is None or not may_see_check(user, checked, project.unit_id):
        return None
    entries = {indicator_id: Entry(score, reason, opinion, weight)
               for indicator_id, score, reason, opinion, weight in
               CheckScore.objects.filter(checked=checked).order_by()
               .values_list("indicator_id", "score", "deduction_reason", "opinion", "weight")}
    if result is None or result.project_id != project.id:
        result = score_project_period(project, period)
    view = side_by_side(result, entries, Side(checked.execution_score, checked.verified_spent))
    finance = sees_all_units(user)
    return {
        "checked": checked,
        "view": view,
        "rows": view.rows,
        "status": checked.status,
        "status_label": checked.get_status_display(),
        "done": checked.status == CheckStatus.DONE,
        "batch": checked.batch,
        "conclusion": checked.conclusion,
        "execution_note": checked.execution_note,
        "verified_spent": checked.verified_spent,
        "execution_overridden": checked.execution_score is not None,
        "unscored": view.totals.unscored,
        "finance": finance,
        "check_url": reverse("checks:check", args=[checked.pk]) if finance else None,
    }
