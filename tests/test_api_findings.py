"""GET /api/v1/findings/ (api:finding-list): the target-review findings the review page shows the
user (performance.review: its filters severity, rule and status, open by default) of the units
the user sees, with the finance reviewer's decisions; bounded to FINDING_UNITS units without a
`unit`; a constant number of queries; every role of tests/api_setup.ROLES.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_findings.py
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.review.decisions import accept_finding
from performance.review.service import review_unit
from performance.services import api_results
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import make_team
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db

URL = reverse("api:finding-list")
YEAR = 2025


@pytest.fixture
def team():
    """Unit A's project has output indicators only: no 效益 and no 满意度 indicator, and no 表8
    line; the review finds errors in it."""
    return make_team()


def b_project(team):
    project = ProjectFactory(unit=team.other_unit, name="外单位项目")
    IndicatorFactory.create_batch(2, project=project, weight=Decimal(45))
    return project


def findings(client, **params):
    return client.get(URL, {"year": YEAR, **params})


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_unit_s_findings_are_the_review_page_s(team):
    page = review_unit(team.unit, YEAR).select(status="open")
    assert page
    listed = results(findings(bearer(team.filler), unit=team.unit.code, page_size=500))
    assert [item["key"] for item in listed] == [finding.key for finding in page]


def test_a_finding_names_its_rule_project_and_what_to_correct(team):
    listed = results(findings(bearer(team.filler), unit=team.unit.code, rule="benefit_indicator_required"))
    (item,) = listed
    assert {k: item[k] for k in ("severity", "severity_label", "rule", "rule_title", "unit",
                                 "year", "project_id", "project", "status", "decision")} == {
        "severity": "error", "severity_label": "错误", "rule": "benefit_indicator_required",
        "rule_title": "缺少效益指标", "unit": team.unit.code, "year": YEAR,
        "project_id": team.project.pk, "project": team.project.name, "status": "open",
        "decision": None}
    assert item["message"] and item["key"].startswith("benefit_indicator_required:")


def test_an_accepted_finding_leaves_the_open_list_and_carries_its_decision(team):
    finding = review_unit(team.unit, YEAR).find(
        next(f.key for f in review_unit(team.unit, YEAR).findings
             if f.rule == "benefit_indicator_required"))
    accept_finding(finding, unit=team.unit, user=team.finance, note="本项目不设效益指标，已说明")
    client = bearer(team.reviewer)
    assert finding.key not in {i["key"] for i in results(findings(client, unit=team.unit.code))}
    (accepted,) = results(findings(client, unit=team.unit.code, status="accepted"))
    assert accepted["key"] == finding.key and accepted["status"] == "accepted"
    decision = accepted["decision"]
    assert (decision["note"], decision["decided_by"]) == ("本项目不设效益指标，已说明", "王财政")
    assert decision["decided_at"]
    every = results(findings(client, unit=team.unit.code, status="all", page_size=500))
    assert finding.key in {i["key"] for i in every}
    assert len(every) == len(review_unit(team.unit, YEAR).findings)


def test_severity_filters_and_an_unknown_one_is_400(team):
    client = bearer(team.filler)
    errors = results(findings(client, unit=team.unit.code, severity="error", page_size=500))
    assert errors and {i["severity"] for i in errors} == {"error"}
    wrong = findings(client, unit=team.unit.code, severity="fatal")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "severity"


def test_the_year_is_required(team):
    response = bearer(team.filler).get(URL)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "year"


def test_another_year_has_its_own_findings(team):
    assert results(findings(bearer(team.filler), year=2024)) == []


def test_without_a_unit_the_user_s_units_are_reviewed_at_most_finding_units(team, monkeypatch):
    b_project(team)
    finance = bearer(team.finance)
    units = {i["unit"] for i in results(findings(finance, page_size=500))}
    assert {team.unit.code, team.other_unit.code} <= units
    monkeypatch.setattr(api_results, "FINDING_UNITS", 1)
    refused = findings(finance)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "unit"
    assert results(findings(finance, unit=team.unit.code))
    # a filler sees one unit: within the bound
    assert {i["unit"] for i in results(findings(bearer(team.filler)))} == {team.unit.code}


EXPECTED = {
    "anonymous": (401, None),
    "revoked": (401, None),
    "expired": (401, None),
    "filler_a": (200, {"A"}),
    "read_only": (200, {"A"}),
    "filler_b": (200, {"B"}),
    "reviewer": (200, {"A"}),
    "department": (200, {"A", "B"}),  # both units are of its 主管部门
    "finance": (200, {"A", "B"}),
}


def test_every_role_sees_the_findings_of_the_units_the_review_page_shows_it(team):
    b_project(team)
    label = {team.unit.code: "A", team.other_unit.code: "B"}
    clients = role_clients(team)
    assert set(ROLES) == set(EXPECTED)
    for role, (status, listed) in EXPECTED.items():
        response = findings(clients[role], page_size=500)
        assert response.status_code == status, role
        if listed is not None:
            assert {label.get(i["unit"]) for i in response.json()["results"]} == listed, role
    assert findings(clients["filler_b"], unit=team.unit.code).status_code == 404
    assert findings(clients["finance"], unit="000000").status_code == 404


def add_project(team):
    project = ProjectFactory(unit=team.unit)
    IndicatorFactory.create_batch(2, project=project, weight=Decimal(40))


def test_the_queries_do_not_grow_with_the_projects_or_the_findings(team, django_assert_num_queries):
    client = bearer(team.reviewer)
    findings(client, unit=team.unit.code)  # the token's last use is stamped once
    with CaptureQueriesContext(connection) as captured:
        few = len(results(findings(client, unit=team.unit.code, page_size=500)))
    for _ in range(6):
        add_project(team)
    with django_assert_num_queries(len(captured.captured_queries)):
        many = len(results(findings(client, unit=team.unit.code, page_size=500)))
    assert many > few


def test_findings_are_paged(team):
    add_project(team)
    body = findings(bearer(team.filler), unit=team.unit.code, page_size=2).json()
    assert body["count"] > 2 and len(body["results"]) == 2 and body["next"]
