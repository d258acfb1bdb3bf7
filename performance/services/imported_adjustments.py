"""表13 imports over targets already in use (docs/adjustments.md): instead of overwriting, the
file's targets become an adjustment proposal (绩效目标调整), and a project new in a year already
underway becomes a 年中追加 proposal. services.targets.apply_targets, the one writer of 表13
rows, decides which projects come here; this module compares and proposes.

A project's targets are in use once anything is entered against them in any period, once an
adjustment of them was approved (a version beyond 1), or while a proposal of them is open:
overwriting them then would change what values were entered (or a proposal was written)
against without the approval the targets went through. A year is underway once any project of
it has values.

The proposal is a draft: the import writes the changes and the overall reason, and leaves the
reason of each changed indicator to the unit's filler, who submits it through the chain
(services.adjustment_chain).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from budget.models import Project
from performance.chain import EDITABLE, OPEN, VersionStatus
from performance.domain import TargetRow
from performance.models import (
    AnnualGoal,
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    RowChange,
    TargetVersion,
    VersionKind,
)
from performance.workflow import Channel

from .adjustments import (
    COMPARED,
    AdjustmentRefused,
    ProposalInput,
    TargetDraft,
    current_version,
    save_proposal,
)

REASON_PREFIX = "按导入的表13"
REPLACE_REFUSED = ("项目“{name}”已有填报数据或已批复调整，不能整体替换；请通过“目标调整”提出调整申请，"
                   "或不带 --replace 导入以生成调整申请")


def projects_in_use(projects) -> set[int]:
    """The ids of `projects` (a Project queryset) whose targets are in use (one query)."""
    valued = (Q(actual_value__isnull=False) | ~Q(actual_grade="")
              | Q(expected_value__isnull=False) | ~Q(expected_grade=""))
    return set(projects.annotate(
        _record=Exists(ProjectRecord.objects.filter(project=OuterRef("pk"), has_values=True)),
        _value=Exists(IndicatorRecord.objects.filter(valued, indicator__project=OuterRef("pk"))),
        _version=Exists(TargetVersion.objects.filter(
            Q(status=VersionStatus.APPROVED, number__gt=1) | Q(status__in=list(OPEN)),
            project=OuterRef("pk"))),
    ).filter(Q(_record=True) | Q(_value=True) | Q(_version=True)).order_by()
        .values_list("id", flat=True))


def year_underway(year: int) -> bool:
    """Whether any project of `year` has values: a project added now is a 年中追加."""
    return ProjectRecord.objects.filter(project__year=year, has_values=True).exists()


def row_fields(row: TargetRow, levels) -> tuple:
    """The COMPARED fields of a file row, as an Indicator stores them."""
    level1_id, level2_id = levels[(row.level1, row.level2)]
    return (level1_id, level2_id, row.name, row.operator.value, row.target_value,
            row.target_grade.value if row.target_grade else "", row.unit, row.weight,
            row.direction.value)


@dataclass(frozen=True)
class _InForce:
    """One indicator of the version in force (the Indicator rows hold it)."""

    id: int
    cumulative: bool | None
    fields: tuple


@dataclass
class Notice:
    """What the import did with one project it did not write directly."""

    unit_code: str
    project: str
    text: str
    proposal: bool = False  # a proposal was created or its content replaced

    def __str__(self):
        return f"{self.unit_code} {self.project}：{self.text}"


class Proposer:
    """Turns a file's rows for projects in use (and new projects mid-year) into proposals.

    `problems` collects every proposal the checks refuse, each at the project's first row;
    the writer then refuses the whole import (nothing written)."""

    def __init__(self, levels, *, user=None, channel: str = Channel.COMMAND,
                 source_name: str = "", dry_run: bool = False):
        self.levels = levels
        self.user = user
        self.channel = channel
        self.source = f"{REASON_PREFIX}（{source_name}）" if source_name else REASON_PREFIX
        self.dry_run = dry_run
        self.problems: list = []
        self.notices: list[Notice] = []

    # -- projects in use -------------------------------------------------------------------------

    def adjust(self, projects: dict[tuple, Project], by_project: dict[tuple, list[TargetRow]]
               ) -> int:
        """Compare each project with its version in force; propose where the file differs.
        Returns the number of indicators found unchanged (projects equal to the file)."""
        ids = [p.id for p in projects.values()]
        in_force: dict[int, dict[str, _InForce]] = defaultdict(dict)
        for project_id, indicator_id, cumulative, *fields in (
                Indicator.objects.filter(project_id__in=ids).order_by("position", "id")
                .values_list("project_id", "id", "cumulative", *COMPARED)):
            in_force[project_id][fields[2]] = _InForce(indicator_id, cumulative, tuple(fields))
        goals = dict(AnnualGoal.objects.filter(project_id__in=ids).values_list("project_id", "text"))
        proposals = {v.project_id: v for v in TargetVersion.objects.filter(
            project_id__in=ids, status__in=list(OPEN)).select_related("based_on")
            .prefetch_related("rows")}
        unchanged = 0
        for key, project in projects.items():
            rows = by_project[key]
            current = in_force.get(project.id, {})
            wanted = {row.name: row_fields(row, self.levels) for row in rows}
            budget, goal = rows[0].budget, rows[0].goal.strip()
            proposal = proposals.get(project.id)
            if (wanted == {name: i.fields for name, i in current.items()}
                    and budget == project.effective_budget
                    and goal == goals.get(project.id, "").strip()):
                unchanged += len(rows)
                text = "与现行目标一致，未改动"
                if proposal is not None:
                    text += f"（另有{_label(proposal)}调整申请，未改动）"
                self._notice(project, key, text)
            elif proposal is not None and proposal.status not in EDITABLE:
                self._notice(project, key, f"已有{_label(proposal)}的调整申请，审核完成或退回后"
                                           "才能再调整；本次未改动该项目")
            elif proposal is not None and _same(proposal, wanted, budget, goal):
                self._notice(project, key, f"与已有的调整申请（{_label(proposal)}）一致，未改动")
            else:
                data = self._input(project, rows, wanted, current, goals.get(project.id, ""),
                                   proposal)
                self._save(project, key, rows, data, VersionKind.ADJUSTMENT)
        return unchanged

    def _input(self, project, rows, wanted, current, goal_now, proposal) -> ProposalInput:
        earlier = {r.name: r for r in proposal.rows.all()} if proposal is not None else {}
        drafts = []
        for row in rows:
            fields, found, before = wanted[row.name], current.get(row.name), earlier.get(row.name)
            keep = (before is not None and before.change != RowChange.REMOVED
                    and tuple(getattr(before, f) for f in COMPARED) == fields)
            drafts.append(TargetDraft(**dict(zip(COMPARED, fields, strict=True)),
                                      cumulative=found.cumulative if found else None,
                                      indicator_id=found.id if found else None,
                                      reason=before.reason if keep else ""))
        for name, found in current.items():  # in force, absent from the file: proposed removed
            if name not in wanted:
                before = earlier.get(name)
                keep = before is not None and before.change == RowChange.REMOVED
                drafts.append(TargetDraft(**dict(zip(COMPARED, found.fields, strict=True)),
                                          cumulative=found.cumulative, indicator_id=found.id,
                                          remove=True, reason=before.reason if keep else ""))
        base = proposal.based_on if proposal is not None else current_version(project)
        budget = rows[0].budget
        if budget == project.effective_budget:
            adjusted, budget_reason = (base.adjusted_amount if base else project.adjusted_amount), ""
        else:
            adjusted = budget
            budget_reason = (proposal.budget_reason if proposal is not None
                             and proposal.adjusted_amount == budget and proposal.budget_reason
                             else f"{self.source}调整预算数")
        goal = rows[0].goal.strip()
        reason = f"{self.source}调整"
        if proposal is not None and proposal.reason and not proposal.reason.startswith(REASON_PREFIX):
            reason = proposal.reason  # the filler's own words stay
        return ProposalInput(drafts, reason=reason, adjusted_amount=adjusted,
                             budget_reason=budget_reason,
                             goal=None if goal == goal_now.strip() else goal,
                             effective_from=proposal.effective_from if proposal else None)

    # -- projects added mid-year -----------------------------------------------------------------

    def midyear(self, projects: dict[tuple, Project], by_project: dict[tuple, list[TargetRow]]):
        """New projects of a year underway: created without indicators, their targets a
        年中追加 proposal."""
        for key, project in projects.items():
            rows = by_project[key]
            drafts = [TargetDraft(**dict(zip(COMPARED, row_fields(row, self.levels), strict=True)))
                      for row in rows]
            data = ProposalInput(drafts, reason=f"{self.source}年中追加",
                                 goal=rows[0].goal.strip())
            self._save(project, key, rows, data, VersionKind.MIDYEAR)

    # -- shared ----------------------------------------------------------------------------------

    def _save(self, project, key, rows, data, kind) -> None:
        try:
            version = save_proposal(project, self.user, data, channel=self.channel, kind=kind)
        except AdjustmentRefused as exc:
            what = "年中追加申请" if kind == VersionKind.MIDYEAR else "调整申请"
            self.problems += [(rows[0].source_row, f"项目“{project.name}”按文件生成{what}时：{p}")
                              for p in exc.problems]
            return
        done = "将生成" if self.dry_run else "已生成"
        label = f"第{version.number}版{version.get_status_display()}"
        if version.kind == VersionKind.MIDYEAR:
            text = f"年中追加：{done}年中追加申请（{label}），需填写各指标理由后提交审核"
        else:
            text = f"{done}调整申请（{label}），需填写调整理由后提交审核"
        self._notice(project, key, text, proposal=True)

    def _notice(self, project, key, text, *, proposal=False) -> None:
        self.notices.append(Notice(key[0], project.name, text, proposal))


def _label(version: TargetVersion) -> str:
    return f"第{version.number}版{version.get_status_display()}"


def _same(proposal: TargetVersion, wanted: dict, budget, goal: str) -> bool:
    """Whether the open proposal already says what the file says."""
    rows = {r.name: tuple(getattr(r, f) for f in COMPARED) for r in proposal.rows.all()
            if r.change != RowChange.REMOVED}
    return (rows == wanted and proposal.effective_budget == budget
            and proposal.goal.strip() == goal)
