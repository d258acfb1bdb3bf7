"""api:project-target-versions: every TargetVersion of a project the caller may see (年初批复,
调整, open proposals) with its IndicatorTarget rows and its steps, for every role of
tests/api_setup.ROLES; another unit's project is 404; bounded queries.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_target_versions.py
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.chain import VersionStatus
from performance.services import adjustment_chain
from tests.adjust_setup import approve_all, change_targets
from tests.api_setup import ROLES, role_clients
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db
REFUSED = {"anonymous", "revoked", "expired"}


def versions_url(project) -> str:
    return reverse("api:project-target-versions", args=[project.pk])


@pytest.fixture
def world():
    """A's project adjusted once (version 2, approved from 2025-09-01: the first indicator's
    target 100 → 50, the last removed), then a third version proposed and submitted."""
    team = make_team(indicators=3)
    first, _, last = team.indicators
    approve_all(change_targets(team.project, team.filler,
                               {first.id: {"target_value": Decimal(50)}, last.id: None,
                                team.indicators[1].id: {"weight": Decimal(60)}},
                               effective_from=datetime.date(2025, 9, 1)),
                team.reviewer, team.finance)
    proposal = change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(70)}},
                              reason="年中任务增加")
    adjustment_chain.submit(proposal, team.filler)
    return team, role_clients(team)


def test_every_role_reads_the_versions_of_a_project_it_may_see_and_404_otherwise(world):
    team, clients = world
    sees = {"filler_a", "reviewer", "read_only", "department", "finance"}
    for role in ROLES:
        response = clients[role].get(versions_url(team.project))
        if role in REFUSED:
            assert response.status_code == 401, role
            assert response["WWW-Authenticate"].startswith("Bearer"), role
        elif role in sees:
            assert response.status_code == 200, role
            assert [v["number"] for v in response.json()["results"]] == [1, 2, 3], role
        else:
            assert response.status_code == 404, role
            assert response.json() == {"detail": "未找到该项目"}, role


def test_a_version_answers_its_kind_status_dates_budget_and_people(world):
    team, clients = world
    one, two, three = clients["filler_a"].get(versions_url(team.project)).json()["results"]
    assert (one["kind"], one["status"], one["effective_from"], one["based_on"]) == (
        "initial", "approved", "2025-01-01", None)
    assert {k: two[k] for k in ("label", "kind", "kind_label", "status", "status_label",
                                "based_on", "effective_from", "budget_amount",
                                "adjusted_amount", "reason", "department_tier", "created_by",
                                "decided_by")} == {
        "label": "第2版（绩效目标调整）", "kind": "adjustment", "kind_label": "绩效目标调整",
        "status": "approved", "status_label": "已批复", "based_on": 1,
        "effective_from": "2025-09-01", "budget_amount": "100.00", "adjusted_amount": None,
        "reason": "业务量调整", "department_tier": False, "created_by": "张填报",
        "decided_by": "王财政"}
    assert two["decided_at"] and two["submitted_at"] and two["created_at"]
    assert (three["status"], three["reason"], three["decided_by"], three["based_on"]) == (
        VersionStatus.AT_UNIT, "年中任务增加", None, 2)


def test_a_version_lists_its_rows_with_what_changed_and_its_steps(world):
    team, clients = world
    first, second, last = team.indicators
    one, two, three = clients["filler_a"].get(versions_url(team.project)).json()["results"]
    assert [(r["indicator_id"], r["target_value"], r["change"]) for r in one["rows"]] == [
        (first.pk, "100.0000", "unchanged"), (second.pk, "100.0000", "unchanged"),
        (last.pk, "100.0000", "unchanged")]
    rows = {r["indicator_id"]: r for r in two["rows"]}
    assert (rows[first.pk]["change"], rows[first.pk]["change_label"],
            rows[first.pk]["target_value"], rows[first.pk]["target"]) == (
        "changed", "调整", "50.0000", "50")
    assert rows[first.pk]["reason"] == "按调整后的工作任务"
    assert (rows[second.pk]["weight"], rows[last.pk]["change"]) == ("60.00", "removed")
    assert {k: rows[first.pk][k] for k in ("level1", "level2", "operator", "direction",
                                           "unit", "target_grade")} == {
        "level1": "产出指标", "level2": "数量指标", "operator": "≥", "direction": "正向指标",
        "unit": "人次", "target_grade": ""}
    assert [(s["action"], s["level"], s["from_status"], s["to_status"], s["by"])
            for s in two["steps"]] == [
        ("submit", "", "draft", "at_unit", "张填报"),
        ("approve", "unit", "at_unit", "at_finance", "李审核"),
        ("approve", "finance", "at_finance", "approved", "王财政")]
    assert [s["action_label"] for s in three["steps"]] == ["提交"]


def test_a_project_never_adjusted_has_no_version_rows_yet(world):
    other = make_team(indicators=1)
    clients = role_clients(other)
    body = clients["filler_a"].get(versions_url(other.project)).json()
    assert (body["count"], body["results"]) == (0, [])
    # its indicators are version 1: the project's detail says so
    detail = clients["filler_a"].get(reverse("api:project-detail", args=[other.project.pk]))
    assert detail.json()["version"]["number"] == 1


def test_a_read_only_token_may_not_write(world):
    team, clients = world
    assert clients["read_only"].post(versions_url(team.project), {},
                                     format="json").status_code == 403


def _queries(client, url) -> int:
    client.get(url)  # the token's first use stamps last_used_at once: not counted
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_versions_take_the_same_queries_for_one_version_and_for_many(
        django_assert_num_queries):
    team = make_team(indicators=3)
    clients = role_clients(team)
    finance, url = clients["finance"], versions_url(team.project)
    first = team.indicators[0]
    approve_all(change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(10)}}),
                team.reviewer, team.finance)
    few = _queries(finance, url)
    for n in range(4):
        approve_all(change_targets(team.project, team.filler,
                                   {first.id: {"target_value": Decimal(20 + n)}}),
                    team.reviewer, team.finance)
    with django_assert_num_queries(few):
        assert finance.get(url).json()["count"] == 6
