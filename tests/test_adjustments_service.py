"""Proposals of changed targets through the chain, and scores measured against the version in
force at each period's cut-off."""

import datetime
from decimal import Decimal

import pytest

from performance.chain import VersionStatus
from performance.models import Indicator, IndicatorRecord, RowChange, TargetVersion
from performance.services import adjustment_chain
from performance.services.adjustments import AdjustmentRefused
from performance.services.scoring import score_project_period

from .adjust_setup import approve_all, change_targets, department_reviewer
from .entry_setup import make_team
from .factories import IndicatorRecordFactory, MonitoringPeriodFactory, PeriodFactory

pytestmark = pytest.mark.django_db


def test_an_approved_adjustment_becomes_the_version_in_force_and_keeps_version_one():
    team = make_team()
    first = team.indicators[0]
    proposal = change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(50)}})
    assert proposal.number == 2 and proposal.status == VersionStatus.DRAFT
    version = approve_all(proposal, team.reviewer, team.finance)
    assert version.status == VersionStatus.APPROVED
    first.refresh_from_db()
    assert first.target_value == Decimal(50)
    original = TargetVersion.objects.get(project=team.project, number=1)
    assert original.rows.get(indicator=first).target_value == Decimal(100)
    assert version.rows.get(indicator=first).change == RowChange.CHANGED


def test_a_monitoring_period_before_the_adjustment_scores_against_the_original_targets():
    team = make_team()
    first = team.indicators[0]
    july = MonitoringPeriodFactory()
    for period in (july, team.period):
        IndicatorRecordFactory(indicator=first, period=period, actual_value=Decimal(50))
    approve_all(change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(50)}},
                               effective_from=datetime.date(2025, 9, 1)),
                team.reviewer, team.finance)
    in_july = score_project_period(team.project, july)
    at_year_end = score_project_period(team.project, team.period)
    assert in_july.version.number == 1 and at_year_end.version.number == 2
    assert in_july.score.indicator_scores[0].score < at_year_end.score.indicator_scores[0].score
    assert at_year_end.as_json()["target_version"]["number"] == 2


def test_a_removed_indicator_keeps_its_records_but_no_longer_scores():
    team = make_team(indicators=3)
    gone, kept = team.indicators[0], team.indicators[1]
    IndicatorRecordFactory(indicator=gone, period=team.period, actual_value=Decimal(100))
    approve_all(change_targets(team.project, team.filler,
                               {gone.id: None, kept.id: {"weight": Decimal("60")}}),
                team.reviewer, team.finance)
    assert not Indicator.objects.filter(pk=gone.pk).exists()
    assert Indicator.all_objects.get(pk=gone.pk).retired
    assert IndicatorRecord.objects.filter(indicator_id=gone.pk).exists()
    result = score_project_period(team.project, team.period)
    assert [line.id for line in result.lines] == [kept.id, team.indicators[2].id]


def test_weights_must_still_add_up_to_ninety():
    team = make_team(indicators=3)
    with pytest.raises(AdjustmentRefused, match="权重合计"):
        change_targets(team.project, team.filler, {team.indicators[0].id: {"weight": Decimal(1)}})


def test_the_department_tier_adds_a_level_when_on(settings):
    settings.DEPARTMENT_TIER = True
    team = make_team()
    head = department_reviewer(team.unit)
    proposal = change_targets(team.project, team.filler,
                              {team.indicators[0].id: {"target_value": Decimal(80)}})
    proposal = adjustment_chain.submit(proposal, team.filler)
    proposal = adjustment_chain.approve(proposal, team.reviewer)
    assert proposal.status == VersionStatus.AT_DEPARTMENT
    with pytest.raises(AdjustmentRefused, match="主管部门审核人"):
        adjustment_chain.approve(proposal, team.finance)
    proposal = adjustment_chain.send_back(proposal, head, "请补充测算依据")
    assert proposal.status == VersionStatus.AT_UNIT
    assert [s.reason for s in proposal.steps.all()][-1] == "请补充测算依据"


def test_an_outsider_cannot_propose():
    team = make_team()
    with pytest.raises(AdjustmentRefused):
        change_targets(team.project, team.outsider,
                       {team.indicators[0].id: {"target_value": Decimal(80)}})
    assert PeriodFactory()  # the team's period stays as it was


def test_a_removed_indicator_takes_values_only_in_periods_measured_against_a_version_with_it():
    from performance.services.values import RecordChange, ValueWrite, write_values
    from performance.workflow import Channel

    team = make_team(indicators=3)
    july = MonitoringPeriodFactory()
    gone, kept = team.indicators[0], team.indicators[1]
    approve_all(change_targets(team.project, team.filler,
                               {gone.id: None, kept.id: {"weight": Decimal("60")}}),
                team.reviewer, team.finance)

    def write(period):
        return write_values(ValueWrite(period, team.filler, Channel.PAGE, indicators={
            gone.id: RecordChange({"actual_value": Decimal(7)}, version=None)}))

    write(july)
    write(team.period)
    assert IndicatorRecord.objects.get(indicator_id=gone.id, period=july).actual_value == 7
    assert not IndicatorRecord.objects.filter(indicator_id=gone.id, period=team.period).exists()
