"""performance.rectifying: who may take which step from which status, what each step needs,
overdue and late responses (pure: no database)."""

import datetime

import pytest

from performance import rectifying as r
from performance.rectifying import RectificationAction as A
from performance.workflow import Capacity as C

UNIT = {C.FILLER}
REVIEWER = {C.UNIT_REVIEWER}
FINANCE = {C.FINANCE}
ADMIN = {C.ADMIN}
D = datetime.date


@pytest.mark.parametrize(("action", "status", "who", "target"), [
    (A.START, r.PENDING, UNIT, r.IN_PROGRESS),
    (A.RESPOND, r.PENDING, REVIEWER, r.IN_PROGRESS),
    (A.RESPOND, r.IN_PROGRESS, UNIT, r.IN_PROGRESS),
    (A.REPORT_DONE, r.PENDING, UNIT, r.DONE),
    (A.REPORT_DONE, r.IN_PROGRESS, REVIEWER, r.DONE),
    (A.RETURN, r.DONE, FINANCE, r.IN_PROGRESS),
    (A.CONFIRM, r.DONE, FINANCE, r.CONFIRMED),
    (A.CONFIRM, r.DONE, ADMIN, r.CONFIRMED),
    (A.EDIT, r.PENDING, FINANCE, r.PENDING),
    (A.EDIT, r.DONE, FINANCE, r.DONE),
])
def test_each_allowed_step_and_where_it_leads(action, status, who, target):
    assert r.refusal(action, status, who, source=r.RED_LIGHT, response="continue", text="x",
                     chosen="continue", deadline=D(2026, 9, 30)) is None
    assert r.target_status(action, status) == target


@pytest.mark.parametrize(("action", "status"), [
    (A.START, r.IN_PROGRESS), (A.START, r.DONE), (A.REPORT_DONE, r.DONE),
    (A.REPORT_DONE, r.CONFIRMED), (A.RESPOND, r.DONE), (A.RETURN, r.IN_PROGRESS),
    (A.CONFIRM, r.PENDING), (A.CONFIRM, r.CONFIRMED), (A.EDIT, r.CONFIRMED),
])
def test_a_step_from_the_wrong_status_is_refused(action, status):
    who = FINANCE if action in (A.RETURN, A.CONFIRM, A.EDIT) else UNIT
    assert r.refusal(action, status, who, source=r.RED_LIGHT, response="continue", text="x",
                     chosen="continue", deadline=D(2026, 9, 30))


def test_finance_is_told_it_does_not_act_for_the_unit():
    assert "不能代为办理" in r.refusal(A.REPORT_DONE, r.PENDING, FINANCE, text="x")


def test_the_unit_does_not_confirm_return_or_edit():
    for action in (A.CONFIRM, A.RETURN, A.EDIT):
        assert "只有财政审核人" in r.refusal(action, r.DONE, UNIT | REVIEWER, text="x",
                                              deadline=D(2026, 1, 1))


def test_a_department_reviewer_takes_no_step():
    for action in A:
        assert r.refusal(action, r.PENDING, {C.DEPARTMENT_REVIEWER}, text="x")


def test_the_person_comes_before_the_status():
    assert "只有财政审核人" in r.refusal(A.CONFIRM, r.PENDING, UNIT)


def test_a_warning_needs_a_response_before_it_is_reported_done():
    assert "请先选择应对方式" in r.refusal(A.REPORT_DONE, r.IN_PROGRESS, UNIT,
                                             source=r.IMPOSSIBLE, text="x")
    assert r.refusal(A.REPORT_DONE, r.IN_PROGRESS, UNIT, source=r.CHECK_DEDUCTION,
                     text="x") is None


def test_only_a_warning_takes_a_response_and_only_a_known_one():
    assert "只有监控预警" in r.refusal(A.RESPOND, r.PENDING, UNIT, source=r.MANUAL,
                                           chosen="continue")
    assert "请选择应对方式" in r.refusal(A.RESPOND, r.PENDING, UNIT, source=r.RED_LIGHT,
                                            chosen="")


@pytest.mark.parametrize(("action", "message"), [
    (A.REPORT_DONE, "须填写整改情况"), (A.RETURN, "须填写理由"), (A.EDIT, "须填写问题和整改要求"),
])
def test_the_texts_each_step_needs(action, message):
    who = UNIT if action == A.REPORT_DONE else FINANCE
    status = r.DONE if action == A.RETURN else r.PENDING
    assert message in r.refusal(action, status, who, text=" ", deadline=D(2026, 1, 1))


def test_an_edit_needs_a_deadline():
    assert "须填写整改期限" in r.refusal(A.EDIT, r.PENDING, FINANCE, text="x", deadline=None)


def test_allowed_offers_the_forms_of_the_page():
    assert r.allowed(A.RESPOND, r.PENDING, UNIT, source=r.RED_LIGHT)
    assert not r.allowed(A.REPORT_DONE, r.PENDING, UNIT, source=r.RED_LIGHT)
    assert r.allowed(A.REPORT_DONE, r.PENDING, UNIT, source=r.RED_LIGHT, response="cancel")
    assert not r.allowed(A.RESPOND, r.PENDING, UNIT, source=r.MANUAL)
    assert r.allowed(A.EDIT, r.DONE, FINANCE) and not r.allowed(A.EDIT, r.CONFIRMED, FINANCE)


def test_overdue_means_past_the_deadline_and_not_reported_done():
    assert r.is_overdue(r.PENDING, D(2026, 6, 30), D(2026, 7, 1))
    assert r.is_overdue(r.IN_PROGRESS, D(2026, 6, 30), D(2026, 7, 1))
    assert not r.is_overdue(r.IN_PROGRESS, D(2026, 6, 30), D(2026, 6, 30))
    assert not r.is_overdue(r.DONE, D(2026, 6, 30), D(2026, 7, 1))


def test_a_response_after_its_deadline_is_late():
    assert r.response_late(D(2026, 7, 15), D(2026, 7, 16))
    assert not r.response_late(D(2026, 7, 15), D(2026, 7, 15))
    assert not r.response_late(None, D(2026, 7, 16))


def test_a_response_is_missing_only_for_an_open_warning_without_one():
    assert r.response_missing(r.RED_LIGHT, "", r.PENDING)
    assert not r.response_missing(r.RED_LIGHT, "adjust", r.PENDING)
    assert not r.response_missing(r.MANUAL, "", r.PENDING)
    assert not r.response_missing(r.RED_LIGHT, "", r.CONFIRMED)


def test_the_values_match_the_models_choices():
    from performance.models import RectificationSource, RectificationStatus, WarningResponse
    assert set(r.STATUS_LABELS.items()) == set(RectificationStatus.choices)
    assert {r.RED_LIGHT, r.IMPOSSIBLE, r.CHECK_DEDUCTION, r.MANUAL} == set(RectificationSource.values)
    assert r.RESPONSES == set(WarningResponse.values)
