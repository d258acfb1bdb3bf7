"""The workflow steps over the API (api:project-submit, -approve, -return, -department-approve,
-department-return, -reopen): If-Match required, the same rules as the page's buttons through
performance.services.workflow with channel API — who may take each step (every role of
tests/api_setup.ROLES), reasons, separation of duties, locked periods, the 主管部门 tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from budget.models import Role
from performance.models import ProjectRecord, WorkflowStatus
from performance.services.entry import Entry, save_entries
from performance.services.workflow import approve, department_approve, submit
from performance.workflow import Channel
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import lock, make_team
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
S = WorkflowStatus


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def tier(settings):
    settings.DEPARTMENT_TIER = True


def step_url(team, step):
    return reverse(f"api:project-{step}", args=[team.period.code, team.project.pk])


def etag_of(team, user=None) -> str:
    client = bearer(user or team.filler)
    return client.get(reverse("api:project-values", args=[team.period.code, team.project.pk])
                      ).headers["ETag"]


def post(client, team, step, tag, **body):
    return client.post(step_url(team, step), body, format="json", HTTP_IF_MATCH=tag)


def fill(team):
    """Everything a submission needs, saved by the filler on the page."""
    for indicator in team.indicators:
        save_entries(team.project, team.period, team.filler,
                     {indicator.id: Entry(None, {"actual_value": Decimal(100)})})
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    save_entries(team.project, team.period, team.filler, {},
                 Entry(record.version, {"spent": Decimal(95)}))


def submitted(team):
    fill(team)
    return submit(team.project, team.period, team.filler)


def approved(team):
    submitted(team)
    return approve(team.project, team.period, team.reviewer)


def record(team) -> ProjectRecord:
    return ProjectRecord.objects.get(project=team.project, period=team.period)


def status(team):
    found = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    return found.status if found else None


# ---------------------------------------------------------------- each step, each role


UNAUTHENTICATED = {"anonymous": 401, "revoked": 401, "expired": 401, "filler_b": 404,
                   "read_only": 403}


@pytest.mark.parametrize("role", ROLES)
def test_only_filler_a_submits(team, role):
    fill(team)
    expected = {**UNAUTHENTICATED, "reviewer": 403, "department": 403, "finance": 403,
                "filler_a": 200}[role]
    response = post(role_clients(team)[role], team, "submit", etag_of(team))
    assert response.status_code == expected
    assert status(team) == (S.SUBMITTED if expected == 200 else S.DRAFT)


@pytest.mark.parametrize("role", ROLES)
def test_the_unit_reviewer_or_finance_approves(team, role):
    submitted(team)
    expected = {**UNAUTHENTICATED, "filler_a": 403, "department": 403, "reviewer": 200,
                "finance": 200}[role]
    response = post(role_clients(team)[role], team, "approve", etag_of(team))
    assert response.status_code == expected
    assert status(team) == (S.APPROVED if expected == 200 else S.SUBMITTED)


@pytest.mark.parametrize("role", ROLES)
def test_the_unit_reviewer_or_finance_returns_with_a_reason(team, role):
    submitted(team)
    expected = {**UNAUTHENTICATED, "filler_a": 403, "department": 403, "reviewer": 200,
                "finance": 200}[role]
    response = post(role_clients(team)[role], team, "return", etag_of(team), reason="请补充说明")
    assert response.status_code == expected
    if expected == 200:
        assert (record(team).status, record(team).return_reason) == (S.RETURNED, "请补充说明")
    else:
        assert status(team) == S.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_the_department_reviewer_or_finance_decides_at_the_department(team, tier, role):
    clients = role_clients(team)  # makes the department's reviewer: the tier applies
    submitted(team)
    assert approve(team.project, team.period, team.reviewer).status == S.UNIT_APPROVED
    expected = {**UNAUTHENTICATED, "filler_a": 403, "reviewer": 403, "department": 200,
                "finance": 200}[role]
    response = post(clients[role], team, "department-approve", etag_of(team))
    assert response.status_code == expected
    assert status(team) == (S.APPROVED if expected == 200 else S.UNIT_APPROVED)


@pytest.mark.parametrize("role", ROLES)
def test_the_department_returns_to_the_unit_reviewer(team, tier, role):
    clients = role_clients(team)
    submitted(team)
    approve(team.project, team.period, team.reviewer)
    expected = {**UNAUTHENTICATED, "filler_a": 403, "reviewer": 403, "department": 200,
                "finance": 200}[role]
    response = post(clients[role], team, "department-return", etag_of(team), reason="目标偏低")
    assert response.status_code == expected
    assert status(team) == (S.SUBMITTED if expected == 200 else S.UNIT_APPROVED)


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_reopens(team, role):
    approved(team)
    expected = {**UNAUTHENTICATED, "filler_a": 403, "reviewer": 403, "department": 403,
                "finance": 200}[role]
    response = post(role_clients(team)[role], team, "reopen", etag_of(team), reason="数据有误")
    assert response.status_code == expected
    assert status(team) == (S.RETURNED if expected == 200 else S.APPROVED)


# ---------------------------------------------------------------- the rules


def test_a_step_answers_the_values_with_the_new_etag_and_leaves_an_api_history_row(team):
    fill(team)
    before = etag_of(team)
    response = post(bearer(team.filler), team, "submit", before)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted" and body["etag"] == response.headers["ETag"] != before
    assert body["submitted_by"] == "张填报"
    latest = record(team).history.latest("history_id")
    assert (latest.history_channel, latest.history_change_reason, latest.history_user) == (
        Channel.API, "提交审核", team.filler)
    # the answer's tag is current: the reviewer may decide with it
    approved_ = post(bearer(team.reviewer), team, "approve", response.headers["ETag"])
    assert approved_.status_code == 200 and approved_.json()["status"] == "approved"


def test_a_step_without_if_match_is_428_and_changes_nothing(team):
    fill(team)
    response = bearer(team.filler).post(step_url(team, "submit"), {}, format="json")
    assert response.status_code == 428 and status(team) == S.DRAFT


def test_a_step_with_a_stale_if_match_is_412_and_changes_nothing(team):
    fill(team)
    old = etag_of(team)
    save_entries(team.project, team.period, team.filler,
                 {team.indicators[0].id: Entry(None, {"explanation": "补充"})})
    before = (record(team).version, record(team).history.count())
    response = post(bearer(team.filler), team, "submit", old)
    assert response.status_code == 412
    assert response.json()["changes"][0]["subject"] == team.indicators[0].name
    assert (record(team).version, record(team).history.count()) == before
    assert status(team) == S.DRAFT


def test_an_incomplete_submission_is_409_listing_what_is_missing(team):
    response = post(bearer(team.filler), team, "submit", etag_of(team))
    assert response.status_code == 409
    body = response.json()
    assert f"“{team.indicators[0].name}”未填写完成值" in body["problems"][0]
    assert body["detail"].startswith(f"还有 {len(body['problems'])} 项未完成，不能提交")
    assert status(team) in (None, S.DRAFT)


def test_a_return_without_a_reason_is_400_in_the_workflow_s_words(team):
    submitted(team)
    response = post(bearer(team.reviewer), team, "return", etag_of(team), reason="  ")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "reason", "message": "退回时须填写退回原因。"}]
    assert status(team) == S.SUBMITTED


def test_a_reopen_without_a_reason_names_the_step(team):
    approved(team)
    response = post(bearer(team.finance), team, "reopen", etag_of(team))
    assert response.json()["errors"][0]["message"] == "重新打开时须填写原因。"


def test_the_submitter_may_not_approve_its_own_submission(team):
    MembershipFactory(user=team.reviewer, unit=team.unit, role=Role.FILLER)
    fill(team)
    submit(team.project, team.period, team.reviewer)  # the reviewer, also a filler, submits
    response = post(bearer(team.reviewer), team, "approve", etag_of(team))
    assert response.status_code == 409
    assert response.json()["detail"] == "提交人不能审核自己提交的记录（职责分离）。"
    assert status(team) == S.SUBMITTED


def test_the_submitter_is_not_offered_the_approval(team):
    MembershipFactory(user=team.reviewer, unit=team.unit, role=Role.FILLER)
    fill(team)
    submit(team.project, team.period, team.reviewer)
    values = reverse("api:project-values", args=[team.period.code, team.project.pk])
    assert bearer(team.reviewer).get(values).json()["allowed_actions"] == ["return"]
    assert bearer(team.finance).get(values).json()["allowed_actions"] == ["approve", "return"]


def test_a_step_in_a_locked_period_is_409_with_the_lock_text(team):
    submitted(team)
    lock(team.period, team.finance)
    response = post(bearer(team.reviewer), team, "approve", etag_of(team))
    assert response.status_code == 409
    assert "已于 2026-04-01 09:30 由 王财政 锁定" in response.json()["detail"]
    assert status(team) == S.SUBMITTED


def test_a_step_the_status_does_not_allow_is_409(team):
    submitted(team)
    response = post(bearer(team.finance), team, "reopen", etag_of(team), reason="x")
    assert response.status_code == 409
    assert response.json()["detail"] == "本项目本期已提交，不能重新打开已审核的项目。"


def test_approving_where_the_unit_passes_its_department_hands_it_on(team, tier):
    role_clients(team)  # the department's reviewer
    submitted(team)
    response = post(bearer(team.reviewer), team, "approve", etag_of(team))
    assert response.json()["status"] == "unit_approved"
    assert response.json()["allowed_actions"] == []
    department = bearer(team.finance).get(
        reverse("api:project-values", args=[team.period.code, team.project.pk])).json()
    assert department["allowed_actions"] == ["department_approve", "department_return"]
    department_approve(team.project, team.period, team.finance)
    assert status(team) == S.APPROVED
