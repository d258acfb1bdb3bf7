"""api:record-list — the project records of a period for the projects the caller may see:
status, money spent, versions, the values' ETag, the stamps; filters unit and status; every
role of tests/api_setup.ROLES; a query count that does not grow with the records."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.services.entry import Entry, save_entries
from performance.services.workflow import submit
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import make_team
from tests.factories import IndicatorFactory, ProjectFactory, ProjectRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    save_entries(team.project, team.period, team.filler,
                 {team.indicators[0].id: Entry(None, {"actual_value": Decimal(7)})},
                 Entry(None, {"spent": Decimal("12.5")}))
    return team


def list_url(team, **query):
    url = reverse("api:record-list", args=[team.period.code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def projects_listed(response) -> list[int]:
    return [row["project"]["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("role", ROLES)
def test_who_lists_the_records(team, role):
    response = role_clients(team)[role].get(list_url(team))
    expected = {"anonymous": 401, "revoked": 401, "expired": 401}.get(role, 200)
    assert response.status_code == expected
    if expected == 200:
        assert projects_listed(response) == ([] if role == "filler_b" else [team.project.pk])


def test_a_record_shows_its_status_money_versions_etag_and_stamps(team):
    client = bearer(team.filler)
    row = client.get(list_url(team)).json()["results"][0]
    values = client.get(row["values_url"])
    assert values.status_code == 200
    assert row["etag"] == values.headers["ETag"]
    assert row["spent"] == "12.50" and row["status"] == "draft" and row["status_label"] == "草稿"
    assert (row["version"], row["indicator_records"]) == (1, 1)
    assert row["updated_by"] == "张填报" and row["submitted_by"] is None
    assert row["project"]["unit"] == {"code": team.unit.code, "name": team.unit.name}


def test_the_list_filters_by_unit_and_status(team):
    other = ProjectFactory(unit=team.other_unit)
    ProjectRecordFactory(project=other, period=team.period)
    client = bearer(team.finance)
    assert projects_listed(client.get(list_url(team))) == sorted([team.project.pk, other.pk],
                                                                 key=lambda pk: pk != team.project.pk)
    assert projects_listed(client.get(list_url(team, unit=team.other_unit.code))) == [other.pk]
    assert projects_listed(client.get(list_url(team, status="submitted"))) == []
    versions = {team.indicators[0].id: 0}
    record = team.project.records.get(period=team.period)
    save_entries(team.project, team.period, team.filler,
                 {i.id: Entry(versions.get(i.id), {"actual_value": Decimal(100)})
                  for i in team.indicators}, Entry(record.version, {"spent": Decimal(95)}))
    submit(team.project, team.period, team.filler)
    assert projects_listed(client.get(list_url(team, status="submitted"))) == [team.project.pk]


def test_an_unknown_status_is_400_and_an_unknown_period_404(team):
    client = bearer(team.finance)
    response = client.get(list_url(team, status="done"))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "status"
    assert client.get(reverse("api:record-list", args=["1999-final"])).status_code == 404


def test_a_unit_filter_shows_nothing_of_a_unit_the_caller_may_not_see(team):
    other = ProjectFactory(unit=team.other_unit)
    ProjectRecordFactory(project=other, period=team.period)
    client = bearer(team.filler)
    assert projects_listed(client.get(list_url(team, unit=team.other_unit.code))) == []


def _more_projects(team, count):
    for _ in range(count):
        project = ProjectFactory(unit=team.unit)
        indicator = IndicatorFactory(project=project)
        save_entries(project, team.period, team.filler,
                     {indicator.id: Entry(None, {"actual_value": Decimal(1)})},
                     Entry(None, {"spent": Decimal(1)}))


def test_the_list_runs_as_many_queries_for_one_record_as_for_many(team, django_assert_num_queries):
    client = bearer(team.reviewer)
    client.get(list_url(team))  # the token's first use is stamped once
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(list_url(team)).json()["results"]) == 1
    _more_projects(team, 12)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(client.get(list_url(team)).json()["results"]) == 13
