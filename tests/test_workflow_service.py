"""performance.services.workflow: draft → submitted → approved, or returned with a reason;
who may move a project, what submitting requires, and the refusals."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.services.entry import Entry, save_entries
from performance.services.period_lock import unlock_unit
from performance.services.scoring import score_project_period
from performance.services.workflow import (
    Incomplete,
    WorkflowRefused,
    approve,
    reopen,
    send_back,
    submission_problems,
    submit,
)
from tests.entry_setup import lock, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def fill(team, value=Decimal(100), spent=Decimal("95.00"), explanation="", spent_reason="",
         user=None):
    """Every indicator at `value`, the money spent, as the filler would save them."""
    versions = dict(IndicatorRecord.objects.filter(period=team.period).values_list(
        "indicator_id", "version"))
    project = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    entries = {i.id: Entry(versions.get(i.id), {"actual_value": value, "explanation": explanation})
               for i in team.indicators}
    save_entries(team.project, team.period, user or team.filler, entries,
                 Entry(project and project.version, {"spent": spent, "spent_reason": spent_reason}))


def status(team):
    return ProjectRecord.objects.get(project=team.project, period=team.period).status


def test_submitting_lists_every_indicator_not_filled_and_the_money_spent(team):
    with pytest.raises(Incomplete) as refused:
        submit(team.project, team.period, team.filler)
    problems = refused.value.problems
    assert [p for p in problems if "未填写完成值" in p] == [
        f"“{i.name}”未填写完成值：请填写，或在“未完成原因”中说明未填的原因" for i in team.indicators]
    assert [p.anchor for p in problems if "未填写完成值" in p] == [
        f"id_i{i.id}-actual_value" for i in team.indicators]
    assert "未填写预算执行数：请填写，或在“执行率偏低原因”中说明原因" in problems
    assert not ProjectRecord.objects.filter(status=WorkflowStatus.SUBMITTED).exists()


def test_a_score_below_the_weight_needs_a_written_reason(team):
    fill(team, value=Decimal(80))
    problems = submission_problems(team.project, team.period)
    assert len(problems) == 3 and all("未达到指标值，需填写未完成原因" in p for p in problems)
    fill(team, value=Decimal(80), explanation="设备采购延期")
    assert submission_problems(team.project, team.period) == []


def test_an_overshoot_needs_a_written_reason(team):
    fill(team, value=Decimal(150))
    problems = submission_problems(team.project, team.period)
    assert len(problems) == 3 and all("超过指标值" in p for p in problems)


def test_execution_under_90_percent_needs_a_reason(team):
    fill(team, spent=Decimal("50.00"))
    problems = submission_problems(team.project, team.period)
    assert problems == ["预算执行：预算执行率低于 90%，需说明原因（填写“执行率偏低原因”）"]
    fill(team, spent=Decimal("50.00"), spent_reason="部分资金下半年拨付")
    assert submission_problems(team.project, team.period) == []


def test_monitoring_needs_the_expected_value_likelihood_and_for_doubt_reasons_and_measures():
    team = make_team(indicators=1, monitoring=True)
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: Entry(None, {
        "actual_value": Decimal(100), "likelihood": "有可能"})})
    problems = submission_problems(team.project, team.period)
    assert f"“{ind.name}”未填写全年预计完成值" in problems
    assert f"“{ind.name}”预计不能完全完成，需选择偏差原因" in problems
    assert f"“{ind.name}”预计不能完全完成，需填写纠偏措施" in problems


def test_a_complete_project_is_submitted_then_approved_by_the_unit_reviewer(team):
    fill(team)
    record = submit(team.project, team.period, team.filler)
    assert record.status == WorkflowStatus.SUBMITTED and record.submitted_by == team.filler
    record = approve(team.project, team.period, team.reviewer, version=record.version)
    assert record.status == WorkflowStatus.APPROVED and record.reviewed_by == team.reviewer
    reasons = list(record.history.order_by("history_date").values_list(
        "history_change_reason", flat=True))
    assert reasons[-2:] == ["提交审核", "审核通过"]


def test_finance_staff_approve_any_unit(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    assert approve(team.project, team.period, team.finance).status == WorkflowStatus.APPROVED


def test_a_returned_project_goes_back_to_its_filler_with_the_reason(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    record = send_back(team.project, team.period, team.reviewer, "第二项完成值与台账不符")
    assert record.status == WorkflowStatus.RETURNED
    assert record.return_reason == "第二项完成值与台账不符"
    fill(team, value=Decimal(101))  # editable again
    assert submit(team.project, team.period, team.filler).status == WorkflowStatus.SUBMITTED


def test_returning_needs_a_reason(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    with pytest.raises(WorkflowRefused, match="退回原因"):
        send_back(team.project, team.period, team.reviewer, "  ")
    assert status(team) == WorkflowStatus.SUBMITTED


def test_a_filler_cannot_approve_or_return(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    with pytest.raises(PermissionDenied):
        approve(team.project, team.period, team.filler)
    with pytest.raises(PermissionDenied):
        send_back(team.project, team.period, team.filler, "自己退回")
    assert status(team) == WorkflowStatus.SUBMITTED


def test_a_reviewer_of_another_unit_cannot_approve(team):
    other = make_team()
    fill(team)
    submit(team.project, team.period, team.filler)
    with pytest.raises(PermissionDenied):
        approve(team.project, team.period, other.reviewer)


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_only_a_filler_submits(team, who):
    fill(team)
    with pytest.raises(PermissionDenied):
        submit(team.project, team.period, getattr(team, who))


def test_a_draft_cannot_be_approved(team):
    fill(team)
    with pytest.raises(WorkflowRefused, match="草稿"):
        approve(team.project, team.period, team.reviewer)


def test_a_submitted_project_cannot_be_submitted_again(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    with pytest.raises(WorkflowRefused, match="已提交"):
        submit(team.project, team.period, team.filler)


def test_a_locked_period_refuses_every_transition(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    lock(team.period, team.finance)
    with pytest.raises(WorkflowRefused, match="锁定"):
        approve(team.project, team.period, team.reviewer)
    with pytest.raises(WorkflowRefused, match="锁定"):
        send_back(team.project, team.period, team.finance, "重新核对")


def test_a_decision_on_a_page_read_before_another_decision_is_refused(team):
    fill(team)
    record = submit(team.project, team.period, team.filler)
    send_back(team.project, team.period, team.finance, "请补充说明", version=record.version)
    with pytest.raises(WorkflowRefused, match="王财政"):
        approve(team.project, team.period, team.reviewer, version=record.version)
    assert status(team) == WorkflowStatus.RETURNED


# ---------------------------------------------------------------- honest missing values


def test_a_missing_value_with_its_reason_is_submitted_and_scores_zero(team):
    fill(team)
    missing = team.indicators[1]
    record = IndicatorRecord.objects.get(indicator=missing, period=team.period)
    save_entries(team.project, team.period, team.filler, {missing.id: Entry(record.version, {
        "actual_value": None, "explanation": "统计口径调整，年度数据尚未发布"})})
    assert submit(team.project, team.period, team.filler).status == WorkflowStatus.SUBMITTED
    result = score_project_period(team.project, team.period)
    scores = {line.id: s for line, s in zip(result.lines, result.score.indicator_scores,
                                            strict=True)}
    assert scores[missing.id].missing and scores[missing.id].score == 0
    assert result.as_json()["indicators"][1]["missing"] is True


def test_a_missing_value_without_a_reason_refuses_submit_and_links_to_its_field(team):
    fill(team)
    missing = team.indicators[2]
    record = IndicatorRecord.objects.get(indicator=missing, period=team.period)
    save_entries(team.project, team.period, team.filler,
                 {missing.id: Entry(record.version, {"actual_value": None})})
    with pytest.raises(Incomplete) as refused:
        submit(team.project, team.period, team.filler)
    [problem] = refused.value.problems
    assert problem.startswith(f"“{missing.name}”未填写完成值") and "未完成原因" in problem
    assert problem.anchor == f"id_i{missing.id}-actual_value"
    assert status(team) == WorkflowStatus.DRAFT


def test_missing_money_spent_with_a_reason_can_be_submitted(team):
    fill(team, spent=None, spent_reason="资金由上级统一支付，本单位无执行数")
    assert submit(team.project, team.period, team.filler).status == WorkflowStatus.SUBMITTED


# ---------------------------------------------------------------- reopen, channels


def test_finance_reopens_an_approved_project_with_a_reason(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    approve(team.project, team.period, team.reviewer)
    with pytest.raises(WorkflowRefused, match="原因"):
        reopen(team.project, team.period, team.finance, " ")
    record = reopen(team.project, team.period, team.finance, "抽查发现执行数与账面不符")
    assert record.status == WorkflowStatus.RETURNED
    assert record.return_reason == "抽查发现执行数与账面不符" and record.reviewed_by == team.finance
    fill(team, spent=Decimal("96.00"))  # the unit corrects it
    assert submit(team.project, team.period, team.filler).status == WorkflowStatus.SUBMITTED


def test_an_approved_project_is_final_for_the_unit_reviewer(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    approve(team.project, team.period, team.reviewer)
    with pytest.raises(WorkflowRefused, match="只有财政审核人可以重新打开"):
        send_back(team.project, team.period, team.reviewer, "改错了")
    with pytest.raises(PermissionDenied):
        reopen(team.project, team.period, team.reviewer, "改错了")
    assert status(team) == WorkflowStatus.APPROVED


def test_each_step_leaves_a_history_row_with_its_actor_and_channel(team):
    fill(team)
    submit(team.project, team.period, team.filler)
    send_back(team.project, team.period, team.reviewer, "请补充说明")
    rows = list(ProjectRecord.objects.get(project=team.project).history.order_by("history_id")
                .values_list("history_change_reason", "history_user", "history_channel"))
    assert rows[-2:] == [("提交审核", team.filler.pk, "page"), ("退回修改", team.reviewer.pk, "page")]


def test_a_unit_opened_after_the_lock_can_submit_and_be_approved(team):
    fill(team)
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    submit(team.project, team.period, team.filler)
    assert approve(team.project, team.period, team.reviewer).status == WorkflowStatus.APPROVED
