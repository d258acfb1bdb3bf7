"""performance.services.entry: drafts saved at any time, by fillers only, never losing an
update someone else saved meanwhile."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from budget.models import Role
from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.services.entry import EditConflict, Entry, EntryRefused, save_entries
from tests.entry_setup import UNUSABLE, lock, make_team
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def actual(value, version=None, **more):
    return Entry(version=version, values={"actual_value": value, "explanation": "", **more})


def record(indicator, period):
    return IndicatorRecord.objects.get(indicator=indicator, period=period)


def test_a_filler_saves_a_draft_with_the_values_entered(team):
    ind = team.indicators[0]
    result = save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(80))},
                          Entry(None, {"spent": Decimal("50.00"), "spent_reason": ""}))
    rec = record(ind, team.period)
    assert rec.actual_value == 80 and rec.updated_by == team.filler and rec.version == 0
    project_record = ProjectRecord.objects.get(project=team.project, period=team.period)
    assert project_record.spent == Decimal("50.00")
    assert project_record.status == WorkflowStatus.DRAFT
    assert result.indicators == [ind.name] and result.project


def test_saving_refreshes_the_stored_score_of_the_project(team):
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(100))})
    project_record = ProjectRecord.objects.get(project=team.project, period=team.period)
    assert project_record.computed_at is not None
    assert project_record.score_total == Decimal("30.00")


def test_a_second_save_raises_the_version_and_keeps_history_with_the_user(team):
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(80))})
    save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(85), version=0)})
    rec = record(ind, team.period)
    assert rec.version == 1 and rec.actual_value == 85
    history = list(rec.history.order_by("history_date"))
    assert [h.actual_value for h in history] == [80, 85]
    assert {h.history_user for h in history} == {team.filler}


def test_an_unchanged_form_writes_nothing(team):
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(80))})
    result = save_entries(team.project, team.period, team.filler,
                          {ind.id: actual(Decimal("80.0000"), version=0)})
    assert not result.changed
    assert record(ind, team.period).version == 0
    assert record(ind, team.period).history.count() == 1


def test_the_later_save_of_the_same_field_is_refused_naming_who_changed_what(team):
    ind = team.indicators[0]
    colleague = make_colleague(team)
    save_entries(team.project, team.period, colleague, {ind.id: actual(Decimal(90))})
    with pytest.raises(EditConflict) as refused:
        save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(95))})
    message = str(refused.value)
    assert "钱同事" in message and ind.name in message and "完成值" in message
    assert "90" in message and "95" in message
    assert record(ind, team.period).actual_value == 90  # nothing already saved is lost
    version, values = refused.value.refresh[ind.id]
    assert version == 0 and values["actual_value"] == 90


def test_a_refused_save_writes_none_of_its_other_changes(team):
    first, second = team.indicators[:2]
    colleague = make_colleague(team)
    save_entries(team.project, team.period, colleague, {first.id: actual(Decimal(90))})
    with pytest.raises(EditConflict):
        save_entries(team.project, team.period, team.filler,
                     {first.id: actual(Decimal(95)), second.id: actual(Decimal(70))})
    assert not IndicatorRecord.objects.filter(indicator=second).exists()


def test_a_stale_page_keeps_the_value_it_did_not_touch_and_saves_its_own_change(team):
    ind = team.indicators[0]
    colleague = make_colleague(team)
    save_entries(team.project, team.period, team.filler, {ind.id: actual(Decimal(80))})
    save_entries(team.project, team.period, colleague, {ind.id: actual(Decimal(90), version=0)})
    # the filler's page still shows 80 (version 0); they only write an explanation
    save_entries(team.project, team.period, team.filler,
                 {ind.id: actual(Decimal(80), version=0, explanation="部分设备延期到货")})
    rec = record(ind, team.period)
    assert rec.actual_value == 90 and rec.explanation == "部分设备延期到货"


def test_a_stale_page_saves_a_change_of_another_indicator(team):
    first, second = team.indicators[:2]
    colleague = make_colleague(team)
    save_entries(team.project, team.period, colleague, {first.id: actual(Decimal(90))})
    save_entries(team.project, team.period, team.filler,
                 {first.id: actual(None), second.id: actual(Decimal(70))})
    assert record(first, team.period).actual_value == 90
    assert record(second, team.period).actual_value == 70


def test_a_stale_money_spent_is_refused_when_both_changed_it(team):
    colleague = make_colleague(team)
    save_entries(team.project, team.period, colleague, {},
                 Entry(None, {"spent": Decimal("40.00"), "spent_reason": ""}))
    with pytest.raises(EditConflict) as refused:
        save_entries(team.project, team.period, team.filler, {},
                     Entry(None, {"spent": Decimal("45.00"), "spent_reason": ""}))
    assert "预算执行数" in str(refused.value) and "40" in str(refused.value)


@pytest.mark.parametrize("who", ["reviewer", "finance", "outsider"])
def test_only_a_filler_of_the_unit_may_save_values(team, who):
    with pytest.raises(PermissionDenied):
        save_entries(team.project, team.period, getattr(team, who),
                     {team.indicators[0].id: actual(Decimal(80))})
    assert not IndicatorRecord.objects.exists()


def test_a_locked_period_refuses_saving_and_says_since_when_and_by_whom(team):
    lock(team.period, team.finance)
    with pytest.raises(EntryRefused) as refused:
        save_entries(team.project, team.period, team.filler,
                     {team.indicators[0].id: actual(Decimal(80))})
    assert "2026-04-01 09:30" in str(refused.value) and "王财政" in str(refused.value)


@pytest.mark.parametrize("status", [WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED])
def test_a_submitted_or_approved_project_is_read_only_for_its_filler(team, status):
    ProjectRecord.objects.create(project=team.project, period=team.period, status=status)
    with pytest.raises(EntryRefused, match="不能修改"):
        save_entries(team.project, team.period, team.filler,
                     {team.indicators[0].id: actual(Decimal(80))})


def test_a_returned_project_can_be_changed_again(team):
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.RETURNED, return_reason="完成值有误")
    save_entries(team.project, team.period, team.filler, {team.indicators[0].id: actual(Decimal(80))})
    assert record(team.indicators[0], team.period).actual_value == 80


def test_monitoring_values_are_saved_with_reasons_in_their_fixed_order():
    team = make_team(monitoring=True)
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: Entry(None, {
        "actual_value": Decimal(40), "expected_value": Decimal(90), "likelihood": "有可能",
        "deviation_reasons": ["人员", "经费"], "corrective_measures": "增派人员",
        "explanation": "上半年人手不足"})})
    rec = record(ind, team.period)
    assert rec.expected_value == 90 and rec.likelihood == "有可能"
    assert rec.deviation_reasons == ["经费", "人员"]


def test_a_qualitative_indicator_takes_a_grade():
    team = make_team(indicators=1, qualitative=True)
    ind = team.indicators[-1]
    save_entries(team.project, team.period, team.filler,
                 {ind.id: Entry(None, {"actual_grade": "良", "explanation": ""})})
    rec = record(ind, team.period)
    assert rec.actual_grade == "良" and rec.actual_value is None


def test_an_indicator_of_another_project_is_ignored(team):
    other = make_team()
    save_entries(team.project, team.period, team.filler,
                 {other.indicators[0].id: actual(Decimal(80))})
    assert not IndicatorRecord.objects.exists()


def make_colleague(team):
    user = UserFactory(first_name="钱同事", password=UNUSABLE)
    MembershipFactory(user=user, unit=team.unit, role=Role.FILLER)
    return user
