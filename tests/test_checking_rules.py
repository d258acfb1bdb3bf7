"""The 复核 workflow's rules (performance.checking): who may do what in which status, and the
words of each refusal. Pure: no database."""

import pytest

from performance import checking
from performance.checking import DONE, IN_PROGRESS, PENDING, CheckAction, allowed, refusal
from performance.models.checks import CheckStatus
from performance.workflow import Capacity

FINANCE = {Capacity.FINANCE}
ADMIN = {Capacity.ADMIN}
FILLER = {Capacity.FILLER}
UNIT_REVIEWER = {Capacity.UNIT_REVIEWER}


def test_the_statuses_are_the_models_choices():
    assert {PENDING, IN_PROGRESS, DONE} == set(CheckStatus.values)
    assert checking.STATUS_LABELS == dict(CheckStatus.choices)


@pytest.mark.parametrize("status", [PENDING, IN_PROGRESS])
@pytest.mark.parametrize("who", [FINANCE, ADMIN])
def test_finance_and_administrators_save_scores_while_the_check_is_not_done(status, who):
    assert refusal(CheckAction.SAVE, status, who, False) is None
    assert checking.target_status(CheckAction.SAVE, status) == IN_PROGRESS


@pytest.mark.parametrize("who", [FILLER, UNIT_REVIEWER, {Capacity.DEPARTMENT_REVIEWER}, set()])
def test_nobody_but_finance_saves_scores(who):
    assert refusal(CheckAction.SAVE, IN_PROGRESS, who, False) == "只有财政审核人可以录入或修改复核得分。"


def test_a_done_check_is_reopened_before_it_changes():
    text = refusal(CheckAction.SAVE, DONE, FINANCE, False)
    assert "已复核" in text and "重新打开" in text
    assert refusal(CheckAction.ASK, DONE, FINANCE, False, text="?") is not None


def test_asking_needs_a_question_and_no_other_open_one():
    assert refusal(CheckAction.ASK, PENDING, FINANCE, False, text="请说明完成值来源") is None
    assert checking.target_status(CheckAction.ASK, PENDING) == IN_PROGRESS
    assert refusal(CheckAction.ASK, IN_PROGRESS, FINANCE, False, text="  ") == "请填写需要单位说明的问题。"
    assert "已有待单位说明的问题" in refusal(CheckAction.ASK, IN_PROGRESS, FINANCE, True, text="x")


@pytest.mark.parametrize("who", [FILLER, UNIT_REVIEWER])
def test_the_unit_answers_an_open_question(who):
    assert refusal(CheckAction.ANSWER, IN_PROGRESS, who, True, text="完成值见验收报告") is None
    assert checking.target_status(CheckAction.ANSWER, IN_PROGRESS) == IN_PROGRESS
    assert refusal(CheckAction.ANSWER, IN_PROGRESS, who, True, text="") == "请填写补充说明。"
    assert "已说明或已撤回" in refusal(CheckAction.ANSWER, IN_PROGRESS, who, False, text="x")


def test_finance_does_not_answer_for_the_unit():
    assert "财政审核人不能代为说明" in refusal(CheckAction.ANSWER, IN_PROGRESS, FINANCE, True, text="x")


def test_finance_withdraws_an_open_question_the_unit_cannot():
    assert refusal(CheckAction.WITHDRAW, IN_PROGRESS, FINANCE, True) is None
    assert refusal(CheckAction.WITHDRAW, IN_PROGRESS, FILLER, True) is not None
    assert "已说明或已撤回" in refusal(CheckAction.WITHDRAW, IN_PROGRESS, FINANCE, False)


def test_concluding_needs_every_indicator_a_conclusion_and_no_open_question():
    ok = {"unscored": 0, "conclusion": "自评基本客观"}
    assert refusal(CheckAction.CONCLUDE, IN_PROGRESS, FINANCE, False, **ok) is None
    assert checking.target_status(CheckAction.CONCLUDE, IN_PROGRESS) == DONE
    assert refusal(CheckAction.CONCLUDE, IN_PROGRESS, FINANCE, False, unscored=2,
                   conclusion="x") == "还有 2 项指标未录入复核得分，不能完成复核。"
    assert refusal(CheckAction.CONCLUDE, IN_PROGRESS, FINANCE, False, unscored=0,
                   conclusion=" ") == "完成复核须填写复核结论。"
    assert "待单位补充说明" in refusal(CheckAction.CONCLUDE, IN_PROGRESS, FINANCE, True, **ok)
    assert "尚未录入复核得分" in refusal(CheckAction.CONCLUDE, PENDING, FINANCE, False, **ok)
    assert refusal(CheckAction.CONCLUDE, IN_PROGRESS, FILLER, False, **ok) is not None


def test_reopening_a_done_check_needs_a_reason():
    assert refusal(CheckAction.REOPEN, DONE, FINANCE, False, text="单位补充了验收材料") is None
    assert checking.target_status(CheckAction.REOPEN, DONE) == IN_PROGRESS
    assert refusal(CheckAction.REOPEN, DONE, FINANCE, False) == "重新打开复核须填写原因。"
    assert refusal(CheckAction.REOPEN, IN_PROGRESS, FINANCE, False, text="x") is not None
    assert refusal(CheckAction.REOPEN, DONE, UNIT_REVIEWER, False, text="x") is not None


def test_the_page_offers_what_the_rules_allow():
    assert allowed(CheckAction.SAVE, PENDING, FINANCE, False)
    assert not allowed(CheckAction.SAVE, DONE, FINANCE, False)
    assert allowed(CheckAction.ASK, IN_PROGRESS, FINANCE, False)
    assert not allowed(CheckAction.ASK, IN_PROGRESS, FINANCE, True)
    # the button stays: what is missing is shown on the page and refused with its reason
    assert allowed(CheckAction.CONCLUDE, IN_PROGRESS, FINANCE, True)
    assert not allowed(CheckAction.CONCLUDE, PENDING, FINANCE, False)
    assert allowed(CheckAction.REOPEN, DONE, FINANCE, False)
    assert allowed(CheckAction.ANSWER, IN_PROGRESS, FILLER, True)
    assert not allowed(CheckAction.ANSWER, IN_PROGRESS, FILLER, False)
    assert not allowed(CheckAction.SAVE, IN_PROGRESS, FILLER | UNIT_REVIEWER, False)
