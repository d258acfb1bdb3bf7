"""The `"check"` object of `score --json` (docs/checks.md): a checked project's 复核 figures
beside its self-score, `null` for a project not checked in the period.

`period_checks` reads every check of the period (of one unit, if given) in two queries, so the
command's bulk path stays a constant number of queries; the figures are computed per project by
performance.checks.sidebyside from the self-score the command has just computed."""

from __future__ import annotations

from dataclasses import dataclass, field

from performance.models import CheckedProject, CheckScore

from .sidebyside import Entry, Side, number, side_by_side


@dataclass
class CheckFigures:
    """What the JSON needs of one CheckedProject and its scores."""

    status: str
    batch: str
    conclusion: str
    side: Side
    entries: dict[int, Entry] = field(default_factory=dict)


def period_checks(period, unit=None, project_ids=None) -> dict[int, CheckFigures]:
    """The checks of `period` (of `unit`'s projects, and of the projects `project_ids` — a page
    of them, for the API — if given) by project id (two queries)."""
    checks = CheckedProject.objects.filter(period=period).order_by()
    scores = CheckScore.objects.filter(checked__period=period).order_by()
    if unit is not None:
        checks = checks.filter(project__unit=unit)
        scores = scores.filter(checked__project__unit=unit)
    if project_ids is not None:
        checks = checks.filter(project_id__in=project_ids)
        scores = scores.filter(checked__project_id__in=project_ids)
    found, by_check = {}, {}
    for checked_id, project_id, status, batch, conclusion, override, verified in checks.values_list(
            "id", "project_id", "status", "batch__name", "conclusion", "execution_score",
            "verified_spent"):
        found[project_id] = by_check[checked_id] = CheckFigures(
            status=status, batch=batch, conclusion=conclusion, side=Side(override, verified))
    for checked_id, indicator_id, score, reason, opinion, weight in scores.values_list(
            "checked_id", "indicator_id", "score", "deduction_reason", "opinion", "weight"):
        by_check[checked_id].entries[indicator_id] = Entry(score, reason, opinion, weight)
    return found


def check_json(result, figures: CheckFigures | None, policy=None, number=number) -> dict | None:
    """The `"check"` object of `result` (a ProjectResult), None when it was not checked:
    numbers as JSON numbers (`number` converts each Decimal or None; the API keeps them exact);
    an indicator not scored yet has `check_score` and `difference` null and counts at its
    self-score in the totals (docs/checks.md)."""
    if figures is None:
        return None
    view = side_by_side(result, figures.entries, figures.side, policy)
    return {
        "status": figures.status,
        "batch": figures.batch,
        "indicator_total": number(view.totals.indicator_total),
        "execution_score": number(view.execution_check),
        "total": number(view.check_total),
        "grade": view.check_grade,
        "deviation": number(view.deviation),
        "conclusion": figures.conclusion,
        "indicators": [
            {
                "name": row.name,
                "self_score": number(row.self_score),
                "check_score": number(row.check_score),
                "difference": number(row.difference),
                "deduction_reason": row.deduction_reason,
                "opinion": row.opinion,
            }
            for row in view.rows
        ],
    }
