"""performance.workflow (pure): the statuses, who may make each transition, where it leads with
and without the 主管部门 tier, and the refusal texts."""

import pytest

from performance.workflow import (
    AWAITING_DEPARTMENT_REVIEW,
    AWAITING_REVIEW,
    AWAITING_UNIT_REVIEW,
    DONE,
    EDITABLE,
    Action,
    Capacity,
    PeriodState,
    WorkflowStatus,
    allowed,
    record_refusal,
    target_status,
    waiting_for,
)

S = WorkflowStatus
FILLER = {Capacity.FILLER}
UNIT = {Capacity.UNIT_REVIEWER}
DEPARTMENT = {Capacity.DEPARTMENT_REVIEWER}
FINANCE = {Capacity.FINANCE}
OPEN = PeriodState.OPEN


def test_a_project_at_the_department_is_handed_in_and_waiting_but_not_editable():
    assert S.UNIT_APPROVED in DONE and S.UNIT_APPROVED in AWAITING_REVIEW
    assert S.UNIT_APPROVED not in EDITABLE
    assert AWAITING_UNIT_REVIEW == {S.SUBMITTED}
    assert AWAITING_DEPARTMENT_REVIEW == {S.UNIT_APPROVED}
    assert EDITABLE == {S.DRAFT, S.RETURNED}


@pytest.mark.parametrize("tiered, target", [(False, S.APPROVED), (True, S.UNIT_APPROVED)])
def test_approving_leads_to_the_department_only_where_the_tier_applies(tiered, target):
    assert target_status(Action.APPROVE, tiered) == target


@pytest.mark.parametrize("action, target", [
    (Action.DEPARTMENT_APPROVE, S.APPROVED),
    (Action.DEPARTMENT_RETURN, S.SUBMITTED),  # back to the unit reviewer, not the filler
    (Action.RETURN, S.RETURNED),
    (Action.REOPEN, S.RETURNED),
    (Action.SUBMIT, S.SUBMITTED),
])
@pytest.mark.parametrize("tiered", [False, True])
def test_every_other_target_is_the_same_with_or_without_the_tier(action, target, tiered):
    assert target_status(action, tiered) == target


@pytest.mark.parametrize("who", [DEPARTMENT, FINANCE])
@pytest.mark.parametrize("action", [Action.DEPARTMENT_APPROVE, Action.DEPARTMENT_RETURN])
def test_the_department_and_finance_decide_a_unit_approved_project(who, action):
    assert allowed(action, S.UNIT_APPROVED, who, OPEN)


@pytest.mark.parametrize("who", [FILLER, UNIT])
def test_neither_the_filler_nor_the_unit_reviewer_decides_for_the_department(who):
    assert (record_refusal(Action.DEPARTMENT_APPROVE, S.UNIT_APPROVED, who, OPEN)
            == "只有主管部门审核人或财政审核人可以进行主管部门审核。")
    assert (record_refusal(Action.DEPARTMENT_RETURN, S.UNIT_APPROVED, who, OPEN, reason="x")
            == "只有主管部门审核人或财政审核人可以退回单位审核。")


def test_a_department_reviewer_does_not_act_for_the_unit():
    assert record_refusal(Action.APPROVE, S.SUBMITTED, DEPARTMENT, OPEN) == \
        "只有本单位审核人或财政审核人可以审核。"
    assert not allowed(Action.RETURN, S.SUBMITTED, DEPARTMENT, OPEN)
    assert not allowed(Action.REOPEN, S.APPROVED, DEPARTMENT, OPEN)


def test_the_department_waits_for_the_unit_to_approve_first():
    assert (record_refusal(Action.DEPARTMENT_APPROVE, S.SUBMITTED, DEPARTMENT, OPEN)
            == "本项目本期已提交，尚未经本单位审核人审核，主管部门暂不能审核。")
    assert (record_refusal(Action.DEPARTMENT_APPROVE, S.APPROVED, DEPARTMENT, OPEN)
            == "本项目本期已审核，不能进行主管部门审核。")
    assert not allowed(Action.DEPARTMENT_RETURN, S.DRAFT, FINANCE, OPEN)


def test_a_unit_approved_project_is_out_of_the_units_hands():
    assert (record_refusal(Action.APPROVE, S.UNIT_APPROVED, UNIT, OPEN)
            == "本项目本期单位已审核，待主管部门审核，不能审核。")
    assert (record_refusal(Action.RETURN, S.UNIT_APPROVED, UNIT, OPEN, reason="改错了")
            == "本项目本期单位已审核，待主管部门审核；如需修改，须由主管部门退回单位审核。")
    assert (record_refusal(Action.SAVE, S.UNIT_APPROVED, FILLER, OPEN)
            == "本项目本期单位已审核，不能修改（如需修改，请审核人退回）。")
    assert not allowed(Action.SUBMIT, S.UNIT_APPROVED, FILLER, OPEN)


def test_reopen_is_from_approved_only_finance_returns_a_unit_approved_one_to_the_unit():
    assert (record_refusal(Action.REOPEN, S.UNIT_APPROVED, FINANCE, OPEN, reason="抽查")
            == "本项目本期单位已审核、尚待主管部门审核，请用“退回单位审核”退回。")
    assert allowed(Action.REOPEN, S.APPROVED, FINANCE, OPEN)


def test_returning_to_the_unit_needs_a_reason():
    assert (record_refusal(Action.DEPARTMENT_RETURN, S.UNIT_APPROVED, DEPARTMENT, OPEN,
                           reason="  ") == "退回时须填写退回原因。")
    assert record_refusal(Action.DEPARTMENT_APPROVE, S.UNIT_APPROVED, DEPARTMENT, OPEN) is None


def test_a_locked_period_refuses_the_department_too():
    assert (record_refusal(Action.DEPARTMENT_APPROVE, S.UNIT_APPROVED, DEPARTMENT,
                           PeriodState.LOCKED) == "填报期间已锁定，所有人只能查看。")
    assert allowed(Action.DEPARTMENT_APPROVE, S.UNIT_APPROVED, DEPARTMENT, PeriodState.UNIT_OPEN)


def test_the_unit_flow_without_the_tier_is_unchanged():
    assert allowed(Action.APPROVE, S.SUBMITTED, UNIT, OPEN)
    assert allowed(Action.RETURN, S.SUBMITTED, FINANCE, OPEN)
    assert (record_refusal(Action.RETURN, S.APPROVED, UNIT, OPEN, reason="x")
            == "本项目本期已审核，只有财政审核人可以重新打开。")
    assert record_refusal(Action.SAVE, None, FINANCE, OPEN) == "财政审核人只审核，不能修改单位填报的数据。"


def test_the_page_says_whose_turn_it_is():
    assert waiting_for(S.SUBMITTED) == "等待本单位审核人审核"
    assert waiting_for(S.UNIT_APPROVED) == "等待主管部门审核"
    assert waiting_for(S.APPROVED) == waiting_for(None) == ""
