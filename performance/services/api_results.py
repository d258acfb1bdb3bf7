"""What the API's results endpoints read (api/views/results.py): the scores and the lights of one
page of projects, the target-review findings of the units a user sees, a notice marked read.

Bounded work: a page of projects is scored (or lit) in the constant number of queries of
performance.services.scoring (of snapshot.lights_for_period), never its whole period; findings
are reviewed for at most FINDING_UNITS units at a time. Decimals stay Decimals here: the
serializers write them as strings.

The access rules are performance.access's: the callers pass the pages' visible projects, and
a project's 抽查复核 shows only where `may_see_check` allows (finance always, the unit once
已复核), as on the project page; `score --json`, a command for administrators, shows every
check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from budget.models import Project
from performance.access import may_see_check
from performance.checks.score_json import check_json, period_checks
from performance.models import FindingDecision, Indicator, Notice
from performance.review.findings import Finding
from performance.review.service import review_units
from performance.services.scoring import current_policy, score_projects
from performance.services.snapshot import lights_for_period
from performance.services.versions import earlier_targets

FINDING_UNITS = 20  # units reviewed in one request when no unit is named


def exact(value):
    """A Decimal (or None) as it is: the API writes it as a string, never a float."""
    return value


@dataclass(frozen=True)
class PageProject:
    """One project of a page: what the endpoints need besides the service's figures."""

    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    name: str


PAGE_COLUMNS = ("id", "unit_id", "unit__code", "unit__name", "name")


def page_rows(projects: QuerySet[Project]) -> QuerySet:
    """The projects as PageProject value rows, in project order (score --json's)."""
    return projects.order_by("id").values_list(*PAGE_COLUMNS)


def as_page(rows: Iterable[tuple]) -> list[PageProject]:
    return [PageProject(*row) for row in rows]


def score_page(period, page: list[PageProject], user, policy=None) -> list[dict]:
    """The `score --json` object of each project of `page`, Decimals exact, with `project_id`;
    "check" is null for a check `user` may not see yet. Queries: scoring's, plus two."""
    if not page:
        return []
    policy = policy or current_policy()
    ids = [project.id for project in page]
    unit_of = {project.id: project.unit_id for project in page}
    checks = period_checks(period, project_ids=ids)
    found = []
    for result in score_projects(period, Project.objects.filter(id__in=ids), policy):
        data = result.as_json(number=exact)
        figures = checks.get(result.project_id)
        if figures is not None and not may_see_check(user, figures, unit_of[result.project_id]):
            figures = None
        data["check"] = check_json(result, figures, policy, number=exact)
        data["project_id"] = result.project_id
        found.append(data)
    return found


def lights_page(period, page: list[PageProject], policy=None) -> list[dict]:
    """Each project of `page` monitored now at the period's cut-off (as the unit dashboard
    computes it: lights_for_period): its light, execution light, current and projected score
    and grade (None when nothing is entered, or, projected, without expected values) and each
    indicator's light. Queries: lights_for_period's, plus those of the indicators' names."""
    if not page:
        return []
    policy = policy or current_policy()
    ids = [project.id for project in page]
    live = lights_for_period(period, ids)
    names = _indicator_names(period, ids, [ind for lights in live.values()
                                           for ind in lights.indicators])
    found = []
    for project in page:
        lights = live[project.id]
        entered = lights.has_values
        projected = lights.projected_total
        found.append({
            "project_id": project.id,
            "unit": project.unit_code,
            "unit_name": project.unit_name,
            "project": project.name,
            "light": _light(lights.light),
            "execution_light": _light(lights.execution_light),
            "score_total": lights.score_total,
            "grade": policy.grade_for(lights.score_total).value if entered else None,
            "projected_total": projected,
            "projected_grade": (policy.grade_for(projected).value
                                if entered and projected is not None else None),
            "indicators_missing": lights.indicators_missing,
            "has_values": entered,
            "indicators": [
                {"id": ind, "name": names.get(ind, ("", "", ""))[0],
                 "level1": names.get(ind, ("", "", ""))[1],
                 "level2": names.get(ind, ("", "", ""))[2],
                 "weight": lights.weights.get(ind, Decimal(0)), "light": _light(light)}
                for ind, light in lights.indicators.items()
            ],
        })
    return found


def _indicator_names(period, project_ids, indicator_ids) -> dict[int, tuple[str, str, str]]:
    """indicator id → (name, 一级, 二级) as the lights were measured: a project measured against
    an earlier version of its targets (performance.services.versions) has that version's names;
    the others their indicators' own (one query, three more with such projects)."""
    names = {target.indicator_id: (target.name, target.level1.name, target.level2.name)
             for targets in earlier_targets(period, project_ids).values()
             for target in targets.rows}
    rest = [ind for ind in indicator_ids if ind not in names]
    names.update((ind, (name, level1, level2)) for ind, name, level1, level2 in
                 Indicator.objects.filter(id__in=rest).order_by()
                 .values_list("id", "name", "level1__name", "level2__name"))
    return names


def _light(light) -> str | None:
    return None if light is None else light.value


@dataclass(frozen=True)
class FindingRow:
    """A finding as the review page lists it, with the finance reviewer's decision if any."""

    finding: Finding
    decision: FindingDecision | None


def findings_of(units, year: int, *, severity: str | None = None, rule: str | None = None,
                status: str = "open") -> list[FindingRow]:
    """The target-review findings of `units` in `year` that the review page would list with
    these filters (performance.review.service.ReviewReport.select), with their decisions."""
    report = review_units(units, year)
    return [FindingRow(finding, report.decision(finding))
            for finding in report.select(severity=severity, rule=rule, status=status)]


def mark_notice_read(notice: Notice) -> Notice:
    """Mark `notice` read (as the notices page's 标为已读); reading it again keeps the first
    time. The caller has checked it is the user's own."""
    if notice.read_at is None:
        now = timezone.now()
        # conditional: two clients marking it at once keep the first time
        if Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=now):
            notice.read_at = now
        else:
            notice.refresh_from_db(fields=["read_at"])
    return notice
