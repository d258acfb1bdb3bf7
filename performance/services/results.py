"""结果应用 (docs/results.md): each project's grade in a self-evaluation period and what it
suggests for next year's budget (BudgetSuggestion), finance's override of it, and the link of
next year's projects to last year's (Project.carried_from). The one writer of BudgetSuggestion.

The grade is the 复核's when the project's check in the period is 已复核, else the unit's own
(ProjectRecord.score_total / score_grade); a project with no grade gets no suggestion. The rules
(grade → action, rate, wording) are SuggestionRule, kept in the admin; the arithmetic is
performance.suggestion_rules. A recompute never touches finance's override: when the grade has
changed since the override, the override stays and the row says so (`grade_changed`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from budget.models import Project
from performance.access import project_rights, sees_all_units
from performance.models import (
    BudgetSuggestion,
    CheckedProject,
    CheckStatus,
    PeriodKind,
    ProjectRecord,
    SuggestionRule,
)
from performance.suggestion_rules import (
    MissingRule,
    OverrideInvalid,
    Rule,
    clean_override,
    missing_grades,
    suggest,
)
from performance.workflow import CHANNEL_CAPACITY, Capacity, Channel

from .record_fields import who

__all__ = ["OverrideInvalid", "ResultsRefused", "Summary", "clear_override", "compute_suggestions",
           "load_rules", "override", "override_grades"]

CHUNK = 500
COMPUTED = ("total", "grade", "grade_source", "base_amount", "action", "rate", "suggested_amount")
OVERRIDE_WHAT = "调整建议"
CLEAR_WHAT = "取消调整"
DEFAULT_RATE = Decimal("0")


class ResultsRefused(Exception):
    """The step is not possible (who, the period, a missing rule, a stale page): the message
    says why. Nothing was written."""


@dataclass
class Summary:
    projects: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    no_grade: int = 0
    from_check: int = 0
    overridden: int = 0
    grade_changed: list[str] = field(default_factory=list)  # overridden, grade moved since

    def text(self) -> str:
        text = (f"共 {self.projects} 个项目：新增建议 {self.created} 条，更新 {self.updated} 条，"
                f"未变 {self.unchanged} 条；按复核等级 {self.from_check} 个；"
                f"尚无等级（未生成建议）{self.no_grade} 个；财政已调整 {self.overridden} 条（保留）")
        if self.grade_changed:
            text += f"，其中等级已变化、请核对调整的 {len(self.grade_changed)} 条"
        return text + "。"


def load_rules() -> dict[str, Rule]:
    return {grade: Rule(action, rate, wording) for grade, action, rate, wording in
            SuggestionRule.objects.values_list("grade", "action", "rate", "wording")}


def _may_decide(user, project, channel) -> bool:
    if channel in CHANNEL_CAPACITY:
        return True
    if project is None:
        return sees_all_units(user)
    return Capacity.FINANCE in project_rights(user, project).capacities(channel)


# -- computing ---------------------------------------------------------------------------------


def compute_suggestions(period, *, unit=None, user=None,
                        channel: str = Channel.COMMAND) -> Summary:
    """(Re)compute the suggestions of every project of `period`'s year (of `unit` only, if
    given), in chunks of CHUNK projects, all in one transaction. Refused (nothing written) for a
    monitoring period, for someone other than finance (pages), or when a grade in use has no
    rule."""
    if period.kind != PeriodKind.SELF_EVALUATION:
        raise ResultsRefused("结果应用建议只按绩效自评期间计算。")
    if not _may_decide(user, None, channel):
        raise ResultsRefused("只有财政审核人可以计算结果应用建议。")
    rules = load_rules()
    _refuse_missing_rules(period, unit, rules)
    summary = Summary()
    now = timezone.now()
    projects = Project.objects.filter(year=period.year).order_by("id")
    if unit is not None:
        projects = projects.filter(unit=unit)
    with transaction.atomic():
        last = 0
        while True:
            chunk = list(projects.filter(id__gt=last)
                         .only("id", "unit_id", "name", "budget_amount", "adjusted_amount")[:CHUNK])
            if not chunk:
                break
            last = chunk[-1].id
            _compute_chunk(period, chunk, rules, user, channel, now, summary)
    return summary


def _refuse_missing_rules(period, unit, rules) -> None:
    scope = Q(project__unit=unit) if unit is not None else Q()
    grades = set(ProjectRecord.objects.filter(scope, period=period).exclude(score_grade="")
                 .order_by().values_list("score_grade", flat=True).distinct())
    grades |= set(CheckedProject.objects.filter(scope, period=period, status=CheckStatus.DONE)
                  .exclude(check_grade="").order_by()
                  .values_list("check_grade", flat=True).distinct())
    missing = missing_grades(grades, rules)
    if missing:
        raise ResultsRefused(f"等级 {'、'.join(missing)} 没有结果应用规则，未计算；"
                             "请先在管理后台“结果应用规则”中添加。")


def _grades(period, ids) -> dict[int, tuple[Decimal | None, str, str]]:
    """project id → (total, grade, source) for the projects of `ids` that have a grade."""
    found = {pid: (total, grade, "self") for pid, total, grade in
             ProjectRecord.objects.filter(period=period, project_id__in=ids)
             .exclude(score_grade="").order_by()
             .values_list("project_id", "score_total", "score_grade")}
    for pid, total, grade in (CheckedProject.objects
                              .filter(period=period, project_id__in=ids, status=CheckStatus.DONE)
                              .exclude(check_grade="").order_by()
                              .values_list("project_id", "check_total", "check_grade")):
        found[pid] = (total, grade, "check")
    return found


def _compute_chunk(period, chunk, rules, user, channel, now, summary: Summary) -> None:
    ids = [p.id for p in chunk]
    grades = _grades(period, ids)
    existing = {s.project_id: s for s in BudgetSuggestion.objects.select_for_update()
                .filter(period=period, project_id__in=ids)}
    at_override = override_grades([s for s in existing.values() if s.override_action])
    created, updated = [], []
    for project in chunk:
        summary.projects += 1
        row = existing.get(project.id)
        graded = grades.get(project.id)
        if graded is None:
            summary.no_grade += 1
            if row is None:
                continue
            values = {"total": None, "grade": "", "grade_source": "",
                      "base_amount": project.effective_budget, "action": "",
                      "rate": DEFAULT_RATE, "suggested_amount": None}
        else:
            total, grade, source = graded
            summary.from_check += source == "check"
            try:
                found = suggest(grade, rules, project.effective_budget)
            except MissingRule as exc:  # a rule deleted meanwhile
                raise ResultsRefused(str(exc)) from exc
            values = {"total": total, "grade": grade, "grade_source": source,
                      "base_amount": project.effective_budget, "action": found.action,
                      "rate": found.rate, "suggested_amount": found.suggested_amount}
        if row is None:
            created.append(BudgetSuggestion(project_id=project.id, period=period, computed_at=now,
                                            **values))
            continue
        if row.override_action:
            summary.overridden += 1
            if at_override.get(row.id, values["grade"]) != values["grade"]:
                summary.grade_changed.append(project.name)
        if all(getattr(row, name) == value for name, value in values.items()):
            summary.unchanged += 1
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.computed_at = now
        row.version += 1
        updated.append(row)
    if created:
        BudgetSuggestion.objects.bulk_create(created)
        _history(created, user, now, "计算建议", channel, update=False)
    if updated:
        BudgetSuggestion.objects.bulk_update(updated, [*COMPUTED, "computed_at", "version"])
        _history(updated, user, now, "重新计算建议", channel, update=True)
    summary.created += len(created)
    summary.updated += len(updated)


def _history(objs, user, now, what, channel, *, update: bool) -> None:
    BudgetSuggestion.history.bulk_history_create(
        objs, update=update, default_user=user, default_change_reason=what[:100],
        default_date=now, custom_historical_attrs={"history_channel": channel})


def override_grades(suggestions) -> dict[int, str]:
    """suggestion id → the grade it had when finance's current override was made (read from
    its history: one query). A row whose grade differs now is flagged for finance."""
    wanted = {s.id: s.overridden_at for s in suggestions if s.override_action and s.overridden_at}
    if not wanted:
        return {}
    found = {}
    for sid, at, grade in (BudgetSuggestion.history
                           .filter(id__in=list(wanted), history_change_reason=OVERRIDE_WHAT)
                           .order_by("history_date", "history_id")
                           .values_list("id", "overridden_at", "grade")):
        if at == wanted[sid]:
            found[sid] = grade
    return found


# -- finance's override ---------------------------------------------------------------------------


def _locked(suggestion, user, channel, version) -> BudgetSuggestion:
    locked = (BudgetSuggestion.objects.select_for_update(of=("self",))
              .select_related("project__unit", "period", "overridden_by").get(pk=suggestion.pk))
    if not _may_decide(user, locked.project, channel):
        raise ResultsRefused("只有财政审核人可以调整结果应用建议。")
    if version is not None and int(version) != locked.version:
        raise ResultsRefused(
            "其他人已修改了该项目的结果应用建议"
            + (f"（{who(locked.overridden_by)} 调整）" if locked.override_action else "")
            + "，或建议已重新计算，未保存，请刷新后再保存。")
    return locked


def override(suggestion: BudgetSuggestion, user, action, rate, amount, reason, *,
             version: int | None, channel: str = Channel.PAGE) -> BudgetSuggestion:
    """Finance's override with a reason (amount omitted: computed from the action and rate on
    the row's base amount). Raises OverrideInvalid (by field) or ResultsRefused."""
    with transaction.atomic():
        locked = _locked(suggestion, user, channel, version)
        cleaned = clean_override(action, rate, amount, reason, locked.base_amount)
        now = timezone.now()
        _write(locked, user, now, OVERRIDE_WHAT, channel, override_action=cleaned.action,
               override_rate=cleaned.rate, override_amount=cleaned.amount,
               override_reason=cleaned.reason, overridden_by=user, overridden_at=now)
    return locked


def clear_override(suggestion: BudgetSuggestion, user, *, version: int | None,
                   channel: str = Channel.PAGE) -> BudgetSuggestion:
    """Back to the computed suggestion (the override stays in the history)."""
    with transaction.atomic():
        locked = _locked(suggestion, user, channel, version)
        if not locked.override_action:
            raise ResultsRefused("该项目的建议未经调整。")
        _write(locked, user, timezone.now(), CLEAR_WHAT, channel, override_action="",
               override_rate=None, override_amount=None, override_reason="",
               overridden_by=None, overridden_at=None)
    return locked


def _write(row: BudgetSuggestion, user, now, what, channel, **fields) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    row.version += 1
    row.skip_history_when_saving = True
    row.save(update_fields=[*fields, "version"])
    del row.skip_history_when_saving
    _history([row], user, now, what, channel, update=True)
