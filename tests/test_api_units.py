"""api:unit-list and api:unit-detail: the units a caller may see, for every role of
tests/api_setup.ROLES; another unit is absent from the list and 404 on its own (as on the pages);
bounded queries.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_units.py
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.api_setup import ROLES, role_clients
from tests.entry_setup import make_team
from tests.factories import DepartmentFactory, UnitFactory

pytestmark = pytest.mark.django_db
UNITS = reverse("api:unit-list")
REFUSED = {"anonymous", "revoked", "expired"}


@pytest.fixture
def world():
    """Units A and B (make_team: one department) and C in a department of its own."""
    team = make_team(indicators=1)
    elsewhere = UnitFactory(code="800001", name="另一部门的单位",
                            department=DepartmentFactory(code="800", name="另一主管部门"))
    return team, elsewhere, role_clients(team)


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_every_role_lists_the_units_the_pages_show_it(world):
    team, elsewhere, clients = world
    a, b, c = team.unit.code, team.other_unit.code, elsewhere.code
    expected = {"filler_a": [a], "filler_b": [b], "reviewer": [a], "read_only": [a],
                # a 主管部门审核人 sees its department's units (A and B share one)
                "department": sorted([a, b]), "finance": sorted([a, b, c])}
    for role in ROLES:
        response = clients[role].get(UNITS)
        if role in REFUSED:
            assert response.status_code == 401, role
            assert response["WWW-Authenticate"].startswith("Bearer"), role
        else:
            assert codes(response) == expected[role], role


def test_a_unit_lists_its_department_and_the_callers_roles(world):
    team, _, clients = world
    row = clients["reviewer"].get(UNITS).json()["results"][0]
    assert row == {"code": team.unit.code, "name": team.unit.name,
                   "department": {"code": "342", "name": team.unit.department.name},
                   "roles": ["unit_reviewer"]}
    department_rows = clients["department"].get(UNITS).json()["results"]
    assert {tuple(r["roles"]) for r in department_rows} == {("department_reviewer",)}
    assert all(r["roles"] == [] for r in clients["finance"].get(UNITS).json()["results"])


def test_units_filter_by_code_name_and_department(world):
    team, elsewhere, clients = world
    finance = clients["finance"]
    assert codes(finance.get(UNITS, {"q": team.unit.code[:4]})) == sorted(
        [team.unit.code, team.other_unit.code])
    assert codes(finance.get(UNITS, {"q": "社会保险"})) == [team.unit.code]
    assert codes(finance.get(UNITS, {"department": "800"})) == [elsewhere.code]
    # a filter never widens what the caller sees
    assert codes(clients["filler_b"].get(UNITS, {"q": team.unit.code})) == []


def test_every_role_reads_the_detail_of_a_unit_it_may_see_and_404_otherwise(world):
    team, elsewhere, clients = world
    url_a = reverse("api:unit-detail", args=[team.unit.code])
    url_c = reverse("api:unit-detail", args=[elsewhere.code])
    sees_a = {"filler_a", "reviewer", "read_only", "department", "finance"}
    for role in ROLES:
        response = clients[role].get(url_a)
        if role in REFUSED:
            assert response.status_code == 401, role
        elif role in sees_a:
            assert response.status_code == 200, role
            assert response.json()["code"] == team.unit.code
        else:
            assert response.status_code == 404, role
    for role in ("filler_a", "reviewer", "department"):
        assert clients[role].get(url_c).status_code == 404, role
    assert clients["finance"].get(url_c).json()["department"]["code"] == "800"


def test_another_units_detail_reads_exactly_like_a_unit_that_does_not_exist(world):
    team, _, clients = world
    hidden = clients["filler_b"].get(reverse("api:unit-detail", args=[team.unit.code]))
    missing = clients["filler_b"].get(reverse("api:unit-detail", args=["000000"]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "未找到该单位"}


def test_a_read_only_token_may_not_write_and_nothing_but_get_is_offered(world):
    team, _, clients = world
    assert clients["read_only"].post(UNITS, {}, format="json").status_code == 403
    assert clients["filler_a"].post(UNITS, {}, format="json").status_code == 405


def _queries(client, url) -> int:
    client.get(url)  # the token's first use stamps last_used_at once: not counted
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_unit_list_and_detail_take_the_same_queries_for_one_unit_and_for_many(
        world, django_assert_num_queries):
    team, _, clients = world
    finance = clients["finance"]
    detail = reverse("api:unit-detail", args=[team.unit.code])
    few, few_detail = _queries(finance, UNITS), _queries(finance, detail)
    for n in range(30):
        UnitFactory(code=f"81{n:04d}", department=DepartmentFactory(code=f"81{n}"))
    with django_assert_num_queries(few):
        assert len(finance.get(UNITS).json()["results"]) == 33
    with django_assert_num_queries(few_detail):
        finance.get(detail)


def test_the_browsers_session_reads_the_units_as_its_user(world):
    team, _, _ = world
    browser = APIClient()
    browser.force_login(team.outsider)
    assert codes(browser.get(UNITS)) == [team.other_unit.code]
    assert browser.get(reverse("api:unit-detail", args=[team.unit.code])).status_code == 404
