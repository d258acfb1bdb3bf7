"""年中追加: a project added during the year, its targets a proposal through the same approval
chain as an adjustment (docs/adjustments.md).

The project exists at once (its proposal needs it), with no indicators until the proposal is
approved; if the proposal is refused nothing is written, not even the project.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from budget.models import Project, ProjectCategory
from performance.access import ProjectRights
from performance.models import VersionKind
from performance.workflow import Capacity, Channel

from .adjustments import AdjustmentRefused, ProposalInput, save_proposal
from .workflow import Problem


def create_midyear_project(unit, user, *, name: str, category: str, budget_amount: Decimal,
                           year: int, data: ProposalInput,
                           channel: str = Channel.PAGE) -> Project:
    """The new project of `unit` with its targets as a 年中追加 proposal (a draft); raises
    AdjustmentRefused with every problem found, and then writes nothing."""
    capacities = ProjectRights(user, unit.id).capacities(channel)
    if not capacities & {Capacity.FILLER, Capacity.ADMIN}:
        raise AdjustmentRefused(["只有本单位的填报人可以申请年中追加项目。"])
    name = (name or "").strip()
    problems = []
    if not name:
        problems.append(Problem("未填写项目名称。", "id_name"))
    elif Project.objects.filter(unit=unit, year=year, name=name).exists():
        problems.append(Problem(f"本单位 {year} 年已有项目“{name}”。", "id_name"))
    if category not in ProjectCategory.values:
        problems.append(Problem("请选择项目类别。", "id_category"))
    if budget_amount is None or budget_amount < 0:
        problems.append(Problem("预算数应为不小于 0 的金额。", "id_budget_amount"))
    if problems:
        raise AdjustmentRefused(problems)
    with transaction.atomic():
        project = Project.objects.create(unit=unit, year=year, name=name, category=category,
                                         budget_amount=budget_amount)
        save_proposal(project, user, data, channel=channel, kind=VersionKind.MIDYEAR)
    return project
