"""The 复核 service (performance.services.checks and check_explanations): scores bounded by
the weight with every problem named and nothing written, totals and deviations against
hand-worked figures, the optimistic version, concluding and reopening, the 补充说明 round trip
with its notices, who may do what, and the history rows with their channel."""

from decimal import Decimal

import pytest

from performance.models import (
    CheckedProject,
    CheckScore,
    CheckStatus,
    ExplanationRequest,
    ExplanationStatus,
    Notice,
)
from performance.services import check_explanations as explanations
from performance.services import checks
from performance.services.checks import CheckRefused, CheckRowsRefused
from performance.workflow import Channel

from .entry_setup import make_team
from .factories import (
    CheckedProjectFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    ProjectRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def team():
    """3 indicators of weight 30 (≥ 100): actuals 100, 100, 90 → 30 + 30 + 27; spent 95 of a
    budget of 100 → execution 9.50; self total 96.50 (优)."""
    team = make_team()
    for indicator, actual in zip(team.indicators, (100, 100, 90), strict=True):
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=D(actual))
    ProjectRecordFactory(project=team.project, period=team.period, spent=D(95))
    return team


@pytest.fixture
def checked(team):
    return CheckedProjectFactory(batch__period=team.period, project=team.project)


def rows(team, *scores, reasons=("", "进度滞后", "质量未达标")):
    return {ind.id: (None, "", "") if s is None else (D(s), reason, "")
            for ind, s, reason in zip(team.indicators, scores, reasons, strict=True)}


def save(checked, user, row_map, **kwargs):
    checked.refresh_from_db()
    return checks.save_check(checked, user, row_map, version=checked.version, **kwargs)


# -- bounds ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "words"), [("30.5", "复核得分不能超过权重 30。"),
                                              ("-1", "复核得分不能为负数。")])
def test_a_score_outside_0_to_weight_is_refused_naming_the_indicator_and_nothing_is_written(
        team, checked, score, words):
    with pytest.raises(CheckRowsRefused) as refused:
        save(checked, team.finance, rows(team, "30", score, "20"))
    second = team.indicators[1]
    assert refused.value.errors == {second.id: words}
    assert refused.value.errors[second.id].field == "score"
    assert f"“{second.name}”{words.rstrip('。')}" in str(refused.value)
    assert not CheckScore.objects.exists()  # not even the valid rows
    checked.refresh_from_db()
    assert checked.status == CheckStatus.PENDING and checked.version == 0


def test_every_row_problem_is_reported_at_once(team, checked):
    foreign = IndicatorFactory()
    data = rows(team, "31", "25", "20", reasons=("", "", "原因"))
    data[foreign.id] = (D(1), "x", "")
    with pytest.raises(CheckRowsRefused) as refused:
        save(checked, team.finance, data)
    errors = refused.value.errors
    assert set(errors) == {team.indicators[0].id, team.indicators[1].id, foreign.id}
    assert errors[team.indicators[1].id] == "复核得分低于权重 30，须填写扣分原因。"
    assert errors[team.indicators[1].id].field == "deduction_reason"
    assert errors[foreign.id] == "不是本项目本期适用的绩效指标。"
    assert "有 3 处填写有误" in str(refused.value)
    assert not CheckScore.objects.exists()


def test_an_execution_score_above_its_weight_is_refused(team, checked):
    with pytest.raises(CheckRowsRefused) as refused:
        save(checked, team.finance, {}, execution=(None, D("10.5"), ""))
    assert refused.value.execution_errors == {
        "execution_score": "复核预算执行得分不能超过预算执行权重 10。"}


# -- totals against hand-worked figures ---------------------------------------------------------------


def test_totals_and_deviation_match_the_hand_worked_figures(team, checked):
    """复核: 30, 25, 20 and a verified spent of 80 → execution 8.00; 复核 total
    8 + 30 + 25 + 20 = 83.00 (良); deviation 96.50 − 83.00 = 13.50."""
    saved = save(checked, team.finance, rows(team, "30", "25", "20"),
                 execution=(D(80), None, "核实支出凭证"))
    sheet = checks.check_sheet(saved)
    assert [r.self_score for r in sheet.rows] == [D(30), D(30), D(27)]
    assert [r.check_score for r in sheet.rows] == [D(30), D(25), D(20)]
    assert [r.difference for r in sheet.rows] == [D(0), D(-5), D(-7)]
    assert sheet.self_execution == D("9.50")
    totals = sheet.totals
    assert totals.execution_score == D("8.00")
    assert totals.indicator_total == D("75.00")
    assert totals.total == D("83.00") and totals.grade == "良"
    assert totals.self_total == D("96.50") and totals.self_grade == "优"
    assert totals.deviation == D("13.50") and totals.grade_changed
    saved.refresh_from_db()
    assert (saved.self_total, saved.self_grade) == (D("96.50"), "优")
    assert (saved.check_total, saved.check_grade) == (D("83.00"), "良")
    assert saved.scored_indicators == 3
    assert saved.verified_spent == D(80) and saved.execution_note == "核实支出凭证"


def test_an_unscored_indicator_counts_at_the_self_score_until_scored(team, checked):
    """25 + 30 (the second's self-score: unscored) + 30 + execution 9.50 (self) = 94.50."""
    saved = save(checked, team.finance, rows(team, "25", None, "30", reasons=("进度", "", "")))
    saved.refresh_from_db()
    assert saved.check_total == D("94.50")
    assert saved.scored_indicators == 2
    sheet = checks.check_sheet(saved)
    assert sheet.totals.unscored == 1
    assert "还有 1 项指标未录入复核得分" in sheet.missing()


def test_the_reviewers_execution_score_overrides_the_verified_spent(team, checked):
    saved = save(checked, team.finance, rows(team, "30", "30", "27", reasons=("", "", "略低")),
                 execution=(D(80), D("6.5"), "部分支出不合规"))
    assert checks.check_sheet(saved).totals.execution_score == D("6.50")
    saved.refresh_from_db()
    assert saved.check_total == D("93.50")


def test_a_project_with_nothing_entered_has_no_self_grade(team):
    bare = make_team()
    checked = CheckedProjectFactory(batch__period=bare.period, project=bare.project)
    saved = save(checked, bare.finance, {bare.indicators[0].id: (D(10), "未提供材料", "")})
    saved.refresh_from_db()
    assert saved.self_grade == "" and saved.self_total == D(0)
    assert saved.check_total == D(10)


# -- saving: status, who, version, history ------------------------------------------------------------


def test_saving_starts_the_check_and_records_history_with_the_channel(team, checked):
    saved = save(checked, team.finance, rows(team, "30", "25", "20"), channel=Channel.ADMIN)
    saved.refresh_from_db()
    assert saved.status == CheckStatus.IN_PROGRESS and saved.started_at is not None
    assert saved.reviewer == team.finance and saved.version == 1
    history = list(saved.history.filter(history_type="~"))
    assert [(h.history_channel, h.history_user, h.history_change_reason) for h in history] == [
        (Channel.ADMIN, team.finance, "保存复核得分")]
    score_history = CheckScore.history.filter(history_type="+")
    assert score_history.count() == 3
    assert {h.history_channel for h in score_history} == {Channel.ADMIN}


def test_changing_and_clearing_scores_leave_history_rows(team, checked):
    save(checked, team.finance, rows(team, "30", "25", "20"))
    save(checked, team.finance, rows(team, "30", "26", None))
    changed = CheckScore.objects.get(indicator=team.indicators[1])
    assert changed.score == D(26) and changed.version == 1
    assert not CheckScore.objects.filter(indicator=team.indicators[2]).exists()
    kinds = sorted(CheckScore.history.values_list("history_type", flat=True))
    assert kinds == ["+", "+", "+", "-", "~"]
    cleared = CheckScore.history.get(history_type="-")
    assert (cleared.history_user, cleared.history_channel, cleared.history_change_reason) == (
        team.finance, Channel.PAGE, "保存复核得分")


def test_saving_nothing_new_changes_nothing(team, checked):
    save(checked, team.finance, rows(team, "30", "25", "20"))
    again = save(checked, team.finance, rows(team, "30", "25", "20"))
    assert again.version == 1
    assert CheckScore.history.count() == 3


def test_a_stale_page_is_refused_and_nothing_is_written(team, checked):
    save(checked, team.finance, rows(team, "30", "25", "20"))
    with pytest.raises(CheckRefused) as refused:
        checks.save_check(checked, team.finance, rows(team, "10", "10", "10"), version=0)
    assert "其他人已修改了该项目的复核" in str(refused.value)
    assert "王财政" in str(refused.value) and "请刷新后再保存" in str(refused.value)
    assert CheckScore.objects.get(indicator=team.indicators[0]).score == D(30)


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
def test_nobody_but_finance_can_enter_check_scores(team, checked, who):
    with pytest.raises(CheckRefused) as refused:
        save(checked, getattr(team, who), rows(team, "30", "25", "20"))
    assert "只有财政审核人" in str(refused.value)
    assert not CheckScore.objects.exists()
    checked.refresh_from_db()
    assert checked.status == CheckStatus.PENDING


# -- concluding and reopening -------------------------------------------------------------------------


def test_concluding_needs_every_indicator_scored_and_a_conclusion(team, checked):
    saved = save(checked, team.finance, rows(team, "30", "25", None))
    with pytest.raises(CheckRefused, match="还有 1 项指标未录入复核得分"):
        checks.conclude(saved, team.finance, "基本客观", version=saved.version)
    saved = save(checked, team.finance, rows(team, "30", "25", "20"))
    with pytest.raises(CheckRefused, match="完成复核须填写复核结论"):
        checks.conclude(saved, team.finance, "  ", version=saved.version)
    done = checks.conclude(saved, team.finance, "自评偏高，进度指标证据不足", version=saved.version)
    done.refresh_from_db()
    assert done.status == CheckStatus.DONE and done.conclusion == "自评偏高，进度指标证据不足"
    assert done.concluded_by == team.finance and done.concluded_at is not None
    assert done.check_total == D("83.00") - D("8.00") + D("9.50")  # the unit's execution
    assert done.history.first().history_change_reason == "完成复核"


def test_a_done_check_cannot_be_saved_until_reopened_with_a_reason(team, checked):
    saved = save(checked, team.finance, rows(team, "30", "25", "20"), conclusion="基本客观")
    done = checks.conclude(saved, team.finance, "基本客观", version=saved.version)
    with pytest.raises(CheckRefused, match="本项目已复核"):
        checks.save_check(done, team.finance, rows(team, "30", "30", "20"), version=done.version)
    with pytest.raises(CheckRefused, match="重新打开复核须填写原因"):
        checks.reopen(done, team.finance, "", version=done.version)
    reopened = checks.reopen(done, team.finance, "单位补充了验收报告", version=done.version)
    reopened.refresh_from_db()
    assert reopened.status == CheckStatus.IN_PROGRESS and reopened.concluded_at is None
    assert reopened.history.first().history_change_reason == "重新打开复核：单位补充了验收报告"
    save(reopened, team.finance, rows(team, "30", "30", "20"))


# -- 补充说明 ---------------------------------------------------------------------------------------------


def test_asking_notifies_the_units_fillers_and_reviewers_and_blocks_concluding(team, checked):
    gone = UserFactory(is_active=False)
    MembershipFactory(user=gone, unit=team.unit, role="filler")
    request = explanations.ask_explanation(checked, team.finance, "请说明完成值的来源",
                                           indicator=team.indicators[2])
    assert request.status == ExplanationStatus.OPEN and request.asked_by == team.finance
    checked.refresh_from_db()
    assert checked.status == CheckStatus.IN_PROGRESS and checked.reviewer == team.finance
    notices = Notice.objects.order_by("recipient_id")
    assert {n.recipient for n in notices} == {team.filler, team.reviewer}
    assert all(n.url == f"/checks/explanation/{request.pk}/" for n in notices)
    assert "请说明完成值的来源" in notices[0].body
    assert checked.history.first().history_change_reason.startswith("要求单位补充说明：")
    with pytest.raises(CheckRefused, match="已有待单位说明的问题"):
        explanations.ask_explanation(checked, team.finance, "再问一个")
    saved = save(checked, team.finance, rows(team, "30", "25", "20"))
    with pytest.raises(CheckRefused, match="待单位补充说明"):
        checks.conclude(saved, team.finance, "基本客观", version=saved.version)


def test_the_unit_answers_and_the_asker_is_notified(team, checked):
    request = explanations.ask_explanation(checked, team.finance, "请说明完成值的来源")
    Notice.objects.all().delete()
    answered = explanations.answer_explanation(request, team.reviewer, "见年度验收报告第3页")
    assert answered.status == ExplanationStatus.ANSWERED
    assert answered.answered_by == team.reviewer and answered.answered_at is not None
    notice = Notice.objects.get()
    assert notice.recipient == team.finance and "见年度验收报告第3页" in notice.body
    with pytest.raises(CheckRefused, match="已说明或已撤回"):
        explanations.answer_explanation(request, team.filler, "再说明一次")
    checked.refresh_from_db()
    assert checked.history.first().history_change_reason == "单位补充说明：见年度验收报告第3页"


@pytest.mark.parametrize("who", ["finance", "outsider"])
def test_only_the_unit_answers(team, checked, who):
    request = explanations.ask_explanation(checked, team.finance, "请说明")
    with pytest.raises(CheckRefused):
        explanations.answer_explanation(request, getattr(team, who), "代为说明")
    request.refresh_from_db()
    assert request.status == ExplanationStatus.OPEN and request.answer == ""


def test_finance_withdraws_an_open_question_and_may_ask_again(team, checked):
    request = explanations.ask_explanation(checked, team.finance, "请说明")
    with pytest.raises(CheckRefused):
        explanations.withdraw_explanation(request, team.filler)
    withdrawn = explanations.withdraw_explanation(request, team.finance)
    assert withdrawn.status == ExplanationStatus.WITHDRAWN
    assert withdrawn.withdrawn_by == team.finance and withdrawn.withdrawn_at is not None
    assert withdrawn.answered_by is None
    explanations.ask_explanation(checked, team.finance, "换一个问题")
    assert ExplanationRequest.objects.filter(status=ExplanationStatus.OPEN).count() == 1
    assert [e.question for e in explanations.open_explanations_for(team.project, team.period)] \
        == ["换一个问题"]


def test_a_filler_cannot_ask(team, checked):
    with pytest.raises(CheckRefused):
        explanations.ask_explanation(checked, team.filler, "自问自答")
    assert not ExplanationRequest.objects.exists()
    assert CheckedProject.objects.get().status == CheckStatus.PENDING
