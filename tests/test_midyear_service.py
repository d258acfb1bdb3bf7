"""年中追加 (performance.services.midyear): the project and its targets' proposal written
together, or nothing at all."""

from decimal import Decimal

import pytest

from budget.models import Project
from performance.chain import VersionStatus
from performance.domain import Direction, Operator
from performance.models import TargetVersion, VersionKind
from performance.services.adjustments import AdjustmentRefused, ProposalInput, TargetDraft
from performance.services.midyear import create_midyear_project

from .entry_setup import make_team
from .factories import level2

pytestmark = pytest.mark.django_db


def targets(weights=(60, 30), reason="上级追加任务") -> ProposalInput:
    kind = level2()
    drafts = [TargetDraft(level1_id=kind.level1_id, level2_id=kind.id, name=f"追加指标{n}",
                          operator=Operator.GE, target_value=Decimal(100), unit="人次",
                          weight=Decimal(w), direction=Direction.POSITIVE, reason="追加")
              for n, w in enumerate(weights)]
    return ProposalInput(drafts, reason=reason, goal="完成追加任务")


def create(team, user, name="年中追加项目", data=None):
    return create_midyear_project(team.unit, user, name=name, category="specific",
                                  budget_amount=Decimal(20), year=2025, data=data or targets())


def test_the_project_is_created_with_its_targets_as_a_mid_year_draft():
    team = make_team()
    project = create(team, team.filler)
    version = TargetVersion.objects.get(project=project)
    assert version.kind == VersionKind.MIDYEAR and version.status == VersionStatus.DRAFT
    assert version.based_on is None and version.number == 1
    assert version.rows.count() == 2 and not project.indicators.exists()


def test_refused_targets_leave_no_project_behind():
    team = make_team()
    with pytest.raises(AdjustmentRefused) as refused:
        create(team, team.filler, data=targets(weights=(60, 10)))
    assert any(p.anchor == "weights" for p in refused.value.problems)
    assert not Project.objects.filter(name="年中追加项目").exists()


def test_only_a_filler_of_the_unit_adds_a_project():
    team = make_team()
    for user in (team.reviewer, team.finance, team.outsider):
        with pytest.raises(AdjustmentRefused):
            create(team, user)
    assert not Project.objects.filter(name="年中追加项目").exists()


def test_a_name_the_unit_already_has_that_year_is_refused_at_the_name():
    team = make_team()
    with pytest.raises(AdjustmentRefused) as refused:
        create(team, team.filler, name=team.project.name)
    assert [p.anchor for p in refused.value.problems] == ["id_name"]
