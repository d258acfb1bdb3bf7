"""延续项目 (docs/results.md): next year's projects linked to last year's project of the same
name in the same unit (Project.carried_from), set after each 表13 import, and what a
continuing project shows of last year: its grade and the (final) budget suggestion.

Names match as performance.normalize.match_key compares them (case, width, spaces and
punctuation ignored) within one unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from budget.models import Project, Unit
from performance.models import BudgetAction, BudgetSuggestion, PeriodKind
from performance.normalize import match_key

ACTIONS = dict(BudgetAction.choices)


@dataclass
class LinkReport:
    """matched: "单位代码 项目名（上年度：良 · 据实保障）"; unmatched_new: this year's projects with no
    project of the same name last year (new projects); unmatched_old: last year's projects not
    continued. `dry_run`: what an import would link."""

    matched: list[str] = field(default_factory=list)
    unmatched_new: list[str] = field(default_factory=list)
    unmatched_old: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        return (f"延续上年度项目 {len(self.matched)} 个，新项目（上年度无同名项目）"
                f"{len(self.unmatched_new)} 个，上年度未延续项目 {len(self.unmatched_old)} 个")

    def notes(self) -> list[str]:
        return ([f"延续项目：{text}" for text in self.matched]
                + [f"新项目（上年度无同名项目）：{text}" for text in self.unmatched_new]
                + [f"上年度项目未延续：{text}" for text in self.unmatched_old])


@dataclass(frozen=True)
class PreviousYear:
    """What a continuing project shows of last year's project."""

    project_id: int
    year: int
    grade: str
    action: str
    key: str  # changes when last year's suggestion changes (the page cache's key)

    @property
    def text(self) -> str:
        parts = [self.grade, ACTIONS.get(self.action, "")]
        return " · ".join(part for part in parts if part) or "尚无评价结果"


def last_year_suggestions(project_ids, year: int) -> dict[int, BudgetSuggestion]:
    """project id → its suggestion in a self-evaluation period of `year` (one query)."""
    return {s.project_id: s for s in BudgetSuggestion.objects.filter(
        project_id__in=list(project_ids), period__year=year,
        period__kind=PeriodKind.SELF_EVALUATION).order_by("period__code")
        .only("id", "project_id", "grade", "action", "override_action", "version",
              "computed_at")}


def previous_year(project) -> PreviousYear | None:
    """Last year's grade and suggestion of a continuing project (None: not continuing; no
    query then)."""
    if not project.carried_from_id:
        return None
    found = last_year_suggestions([project.carried_from_id], project.year - 1).get(
        project.carried_from_id)
    if found is None:
        return PreviousYear(project.carried_from_id, project.year - 1, "", "", "none")
    return PreviousYear(project.carried_from_id, project.year - 1, found.grade,
                        found.final_action, f"{found.id}:{found.version}:{found.computed_at}")


def _described(old_ids, year) -> dict[int, str]:
    found = last_year_suggestions(old_ids, year)
    return {pid: " · ".join(p for p in (s.grade, ACTIONS.get(s.final_action, "")) if p)
            for pid, s in found.items()}


def _match(year, new_items, unit_ids) -> tuple[list, LinkReport]:
    """new_items: (project id or None, unit id, unit code, name). The links to make and the
    report."""
    old = list(Project.objects.filter(year=year - 1, unit_id__in=unit_ids)
               .order_by("unit__code", "name").values_list("id", "unit_id", "unit__code", "name"))
    by_key = {(unit_id, match_key(name)): (pid, code, name) for pid, unit_id, code, name in old}
    texts = _described([pid for pid, *_ in old], year - 1)
    report, links, used = LinkReport(), [], set()
    for pid, unit_id, code, name in sorted(new_items, key=lambda item: (item[2], item[3])):
        hit = by_key.get((unit_id, match_key(name))) if unit_id is not None else None
        if hit is None:
            report.unmatched_new.append(f"{code} {name}")
            links.append((pid, None))
            continue
        used.add(hit[0])
        links.append((pid, hit[0]))
        last = texts.get(hit[0])
        report.matched.append(f"{code} {name}（上年度：{last or '尚无评价结果'}）")
    report.unmatched_old = [f"{code} {name}" for pid, _, code, name in old if pid not in used]
    return links, report


def link_previous_year(year: int, unit_ids=None) -> LinkReport:
    """Set carried_from of every project of `year` (of `unit_ids`, if given) to last year's
    project of the same name in its unit, or clear it; one transaction."""
    projects = Project.objects.filter(year=year)
    if unit_ids is not None:
        projects = projects.filter(unit_id__in=list(unit_ids))
    current = list(projects.values_list("id", "unit_id", "unit__code", "name", "carried_from_id"))
    units = {unit_id for _, unit_id, *_ in current} if unit_ids is None else set(unit_ids)
    links, report = _match(year, [row[:4] for row in current], units)
    before = {row[0]: row[4] for row in current}
    now = timezone.now()
    changed = [Project(id=pid, carried_from_id=old, updated_at=now)
               for pid, old in links if before[pid] != old]
    with transaction.atomic():
        Project.objects.bulk_update(changed, ["carried_from", "updated_at"], batch_size=500)
    return report


def preview_links(year: int, names) -> LinkReport:
    """What link_previous_year would report once rows of (unit code, project name) are
    imported (an import's preview; nothing written)."""
    names = set(names)
    units = dict(Unit.objects.filter(code__in={code for code, _ in names})
                 .values_list("code", "id"))
    items = [(None, units.get(code), code, name) for code, name in names]
    _, report = _match(year, items, set(units.values()))
    report.dry_run = True
    return report
