"""复核批次: drawing the sample of a self-evaluation period, and drawing it again to verify it
(docs/checks.md, "The sample").

The draw itself is performance.checks.draw (pure); this module reads the candidates, refuses
what cannot be drawn, and records the batch with its rules, its seed and the candidates it was
drawn from (rules["candidates"]: id, unit code, project name, category, budget of each), so that
`redraw` reproduces the sample from the record alone, whatever happened to the projects since.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from budget.models import Project, ProjectCategory, Unit
from performance.checks.draw import (
    REASON_ORDER,
    Candidate,
    DrawRefused,
    DrawRules,
    Pick,
    check_seed,
    draw,
    new_seed,
)
from performance.models import (
    CheckBatch,
    CheckedProject,
    CheckStatus,
    PeriodKind,
    ProjectRecord,
    ReportingPeriod,
    WorkflowStatus,
)
from performance.workflow import Channel

MAX_PICKS = 5000  # projects in one batch
MAX_CANDIDATES = 20000  # projects a batch is drawn from (recorded with the batch)
MAX_HAND_LINES = 500
NAME_LENGTH = 100  # CheckBatch.name
CANDIDATES_KEY = "candidates"
DRAWN = "抽取复核"

__all__ = ["DrawRefused", "Verification", "draw_batch", "read_hand_picked", "recorded_picks",
           "redraw", "verify"]


def _label(project) -> str:
    return f"{project.unit.code} {project.name}（编号 {project.pk}）"


# -- 指定抽取 as finance types it ------------------------------------------------------------------

_ID = re.compile(r"^\d+$")


def read_hand_picked(year: int, text: str) -> tuple[list[int], list[str]]:
    """The projects typed one a line, as "单位代码 项目名称" (two columns pasted from Excel
    work: a tab separates them) or as a project number, in `year`: their ids, and what is
    wrong with each line ("第 3 行：…"). Blank lines are skipped."""
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1)
             if line.strip()]
    if len(lines) > MAX_HAND_LINES:
        return [], [f"指定抽取的项目最多 {MAX_HAND_LINES} 行，现有 {len(lines)} 行。"]
    numbers, named, problems = {}, {}, []
    for n, line in lines:
        if _ID.match(line):
            numbers[n] = int(line)
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            problems.append((n, f"第 {n} 行：应为“单位代码 项目名称”或项目编号，收到“{line}”。"))
            continue
        named[n] = (parts[0], parts[1].strip())
    found = _projects(numbers.values(), named.values())
    by_id = {p.pk: p for p in found}
    by_name = {(p.unit.code, p.year, p.name): p for p in found}
    ids: list[int] = []
    for n, _ in lines:
        if n in numbers:
            project = by_id.get(numbers[n])
            if project is None:
                problems.append((n, f"第 {n} 行：找不到编号为 {numbers[n]} 的项目。"))
            elif project.year != year:
                problems.append((n, f"第 {n} 行：{_label(project)}是 {project.year} 年度的项目，"
                                    f"不是 {year} 年度的。"))
            else:
                ids.append(project.pk)
        elif n in named:
            code, name = named[n]
            project = by_name.get((code, year, name))
            if project is None:
                problems.append((n, f"第 {n} 行：单位 {code} 在 {year} 年度没有名为“{name}”的项目。"))
            else:
                ids.append(project.pk)
    seen, unique = set(), []
    for i in ids:
        if i not in seen:
            seen.add(i)
            unique.append(i)
    return unique, [text for _, text in sorted(problems)]


def _projects(numbers, named) -> list[Project]:
    numbers, named = list(numbers), list(named)
    if not numbers and not named:
        return []
    where = Q(pk__in=numbers) if numbers else Q()
    if named:
        where |= Q(unit__code__in={c for c, _ in named}, name__in={m for _, m in named})
    return list(Project.objects.filter(where).select_related("unit").order_by())


# -- the draw -------------------------------------------------------------------------------------


def draw_batch(period: ReportingPeriod, user, rules: DrawRules, *, name: str,
               seed: str | None = None, note: str = "",
               channel: str = Channel.PAGE) -> CheckBatch:
    """Draw a 复核批次 of `period` by `rules` and record it, its picks (待复核) and their
    history, all or nothing. DrawRefused (with the field) when it cannot be drawn."""
    if period.kind != PeriodKind.SELF_EVALUATION:
        raise DrawRefused(f"“{period.name}”不是绩效自评期间：抽查复核只针对绩效自评。", "period")
    name = (name or "").strip()
    if not name:
        raise DrawRefused("请填写批次名称。", "name")
    if len(name) > NAME_LENGTH:
        raise DrawRefused(f"批次名称不能超过 {NAME_LENGTH} 个字符。", "name")
    seed = check_seed(seed) if seed not in (None, "") else new_seed()
    _check_scope(rules)
    with transaction.atomic():
        # one draw at a time in a period: two draws never take the same project
        ReportingPeriod.objects.select_for_update().filter(pk=period.pk).first()
        if CheckBatch.objects.filter(period=period, name=name).exists():
            raise DrawRefused(f"“{period.name}”已有名为“{name}”的复核批次。", "name")
        _check_hand_picked(period, rules.hand_picked)
        candidates = _candidates(period, rules)
        picks = draw(candidates, rules, seed)
        if not picks:
            raise DrawRefused(f"按这些规则没有抽到任何项目（候选项目 {len(candidates)} 个）。")
        if len(picks) > MAX_PICKS:
            raise DrawRefused(f"按这些规则将抽取 {len(picks)} 个项目，一个批次最多 {MAX_PICKS} 个："
                              "请提高金额标准或降低随机抽取比例。")
        now = timezone.now()
        batch = CheckBatch(
            period=period, name=name, seed=seed, candidates=len(candidates),
            rules={**rules.to_json(), CANDIDATES_KEY: [c.to_json() for c in candidates]},
            drawn_by=user, drawn_at=now, note=(note or "").strip())
        try:
            with transaction.atomic():
                batch.save()
                _record_picks(batch, picks, user, now, channel)
        except IntegrityError:
            raise DrawRefused("同时有人在本期间抽取复核批次，请刷新后重新抽取。") from None
    return batch


def _check_scope(rules: DrawRules) -> None:
    if rules.units:
        known = set(Unit.objects.filter(code__in=rules.units).values_list("code", flat=True))
        unknown = [u for u in rules.units if u not in known]
        if unknown:
            raise DrawRefused("未知的单位代码：" + "、".join(unknown) + "。", "units")
    wrong = [c for c in rules.categories if c not in ProjectCategory.values]
    if wrong:
        raise DrawRefused("未知的项目类别：" + "、".join(wrong) + "。", "categories")


def _check_hand_picked(period, hand_picked) -> None:
    if not hand_picked:
        return
    found = {p.pk: p for p in Project.objects.filter(pk__in=hand_picked).select_related("unit")}
    unknown = [str(i) for i in hand_picked if i not in found]
    if unknown:
        raise DrawRefused("找不到指定抽取的项目：编号 " + "、".join(unknown) + "。", "hand_picked")
    other_year = [_label(p) for p in found.values() if p.year != period.year]
    if other_year:
        raise DrawRefused(f"指定抽取的项目不是 {period.year} 年度的：" + "；".join(other_year)
                          + "。", "hand_picked")
    sampled = (CheckedProject.objects.filter(period=period, project_id__in=hand_picked)
               .select_related("batch", "project__unit"))
    taken = [f"{_label(c.project)}已在批次“{c.batch.name}”中" for c in sampled]
    if taken:
        raise DrawRefused("指定抽取的项目已被抽取复核：" + "；".join(taken) + "。", "hand_picked")


def _candidates(period, rules: DrawRules) -> list[Candidate]:
    """The projects of the period's year the rules may take, not sampled yet in the period,
    and every hand-picked project."""
    rows = Project.objects.filter(year=period.year).exclude(
        pk__in=CheckedProject.objects.filter(period=period).values("project_id"))
    if rules.units:
        rows = rows.filter(unit__code__in=rules.units)
    if rules.categories:
        rows = rows.filter(category__in=rules.categories)
    if rules.approved_only:
        rows = rows.filter(records__period=period, records__status=WorkflowStatus.APPROVED)
    columns = ("pk", "unit__code", "name", "category", "budget_amount", "adjusted_amount")
    found = {row[0]: row for row in rows.order_by("pk").values_list(*columns)[:MAX_CANDIDATES + 1]}
    if rules.hand_picked:  # taken wherever they are (checked by _check_hand_picked)
        found.update((row[0], row) for row in Project.objects.filter(
            pk__in=rules.hand_picked).order_by().values_list(*columns))
    if len(found) > MAX_CANDIDATES:
        raise DrawRefused(f"候选项目超过 {MAX_CANDIDATES} 个：请按单位或项目类别缩小范围。")
    found = [found[pk] for pk in sorted(found)]
    return [Candidate(pk, code, name, category, budget if adjusted is None else adjusted)
            for pk, code, name, category, budget, adjusted in found]


def _record_picks(batch, picks: list[Pick], user, now, channel) -> None:
    selves = dict((p, (t, g)) for p, t, g in ProjectRecord.objects.filter(
        period=batch.period, project_id__in=[p.project_id for p in picks])
        .values_list("project_id", "score_total", "score_grade"))
    rows = [CheckedProject(batch=batch, period=batch.period, project_id=p.project_id,
                           reason=p.reason, stratum=p.stratum, draw_key=p.draw_key,
                           status=CheckStatus.PENDING,
                           self_total=selves.get(p.project_id, (None, ""))[0],
                           self_grade=selves.get(p.project_id, (None, ""))[1] or "",
                           updated_by=user)
            for p in picks]
    made = CheckedProject.objects.bulk_create(rows, batch_size=500)
    if any(c.pk is None for c in made):  # a backend that returns no ids: read them back
        made = list(CheckedProject.objects.filter(batch=batch))
    CheckedProject.history.bulk_history_create(
        made, default_user=user, default_change_reason=DRAWN, default_date=now,
        custom_historical_attrs={"history_channel": channel}, batch_size=500)


# -- drawing again --------------------------------------------------------------------------------


def recorded_candidates(batch: CheckBatch) -> list[Candidate]:
    return [Candidate.from_json(row) for row in batch.rules.get(CANDIDATES_KEY) or []]


def redraw(batch: CheckBatch) -> list[Pick]:
    """The sample drawn again from the batch's recorded rules, seed and candidates."""
    return draw(recorded_candidates(batch), DrawRules.from_json(batch.rules), batch.seed)


def recorded_picks(batch: CheckBatch) -> list[Pick]:
    rows = (CheckedProject.objects.filter(batch=batch).order_by()
            .values_list("project_id", "reason", "stratum", "draw_key"))
    return [Pick(*row) for row in rows]


@dataclass(frozen=True)
class Verification:
    """The recorded picks against the redraw: `missing` were drawn again but are not in the
    batch, `extra` are in the batch but not drawn again (a difference of reason, stratum or key
    counts as both)."""

    recorded: tuple[Pick, ...]
    redrawn: tuple[Pick, ...]
    missing: tuple[Pick, ...]
    extra: tuple[Pick, ...]
    problem: str = ""  # the recorded rules could not be drawn again

    @property
    def ok(self) -> bool:
        return not self.problem and not self.missing and not self.extra

    def __bool__(self) -> bool:
        return self.ok


def verify(batch: CheckBatch) -> Verification:
    """Whether the batch's projects are exactly what its rules and seed draw again."""
    recorded = recorded_picks(batch)
    try:
        redrawn = redraw(batch)
    except DrawRefused as refused:
        return Verification(tuple(recorded), (), (), tuple(recorded), problem=str(refused))
    mine, again = set(recorded), set(redrawn)
    return Verification(tuple(_ordered(recorded)), tuple(redrawn), tuple(_ordered(again - mine)),
                        tuple(_ordered(mine - again)))


def _ordered(picks) -> list[Pick]:
    return sorted(picks, key=lambda p: (REASON_ORDER[p.reason], p.stratum, p.draw_key,
                                        p.project_id))
