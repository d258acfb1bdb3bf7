"""api:period-list and api:period-detail: every period for every signed-in role, with the state
for the caller's own units (open, locked, opened again for one unit) and the period the home page
shows by default; an unknown code is 404; bounded queries.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_periods.py
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance.models import PeriodKind
from performance.services.period_lock import unlock_unit
from tests.api_setup import ROLES, role_clients
from tests.entry_setup import lock, make_team
from tests.factories import MonitoringPeriodFactory, PeriodFactory

pytestmark = pytest.mark.django_db
PERIODS = reverse("api:period-list")
REFUSED = {"anonymous", "revoked", "expired"}


@pytest.fixture
def world():
    """2025-final (open, deadline 2026-03-31) and 2025-07, locked, then opened again for unit B."""
    team = make_team(indicators=1)
    july = lock(MonitoringPeriodFactory(), team.finance)
    unlock_unit(july, team.other_unit, team.finance, "补报更正")
    july.refresh_from_db()
    return team, july, role_clients(team)


def by_code(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


def test_every_signed_in_role_lists_every_period_and_the_others_are_refused(world):
    team, july, clients = world
    for role in ROLES:
        response = clients[role].get(PERIODS)
        if role in REFUSED:
            assert response.status_code == 401, role
        else:
            assert list(by_code(response)) == ["2025-final", "2025-07"], role


def test_a_period_answers_its_kind_dates_deadline_and_lock(world):
    team, july, clients = world
    rows = by_code(clients["filler_a"].get(PERIODS))
    final = rows["2025-final"]
    assert {k: final[k] for k in ("name", "year", "kind", "kind_label", "cutoff_month",
                                  "cutoff_date", "deadline", "status", "status_label",
                                  "locked_at", "locked_by", "lock_reason")} == {
        "name": "2025 年度绩效自评", "year": 2025, "kind": "self_evaluation",
        "kind_label": "绩效自评", "cutoff_month": 12, "cutoff_date": "2025-12-31",
        "deadline": "2026-03-31", "status": "open", "status_label": "填报中",
        "locked_at": None, "locked_by": None, "lock_reason": ""}
    locked = rows["2025-07"]
    assert (locked["kind"], locked["cutoff_date"], locked["status"]) == (
        PeriodKind.MONITORING, "2025-07-31", "locked")
    assert locked["locked_by"] == "王财政" and locked["lock_reason"] == "填报截止，数据已汇总"
    assert datetime.datetime.fromisoformat(locked["locked_at"]) == july.locked_at


def _states(row) -> dict[str, str]:
    return {item["unit"]["code"]: item["state"] for item in row["unit_states"]}


def test_the_state_for_the_callers_own_units_and_the_units_opened_again(world):
    team, july, clients = world
    a, b = team.unit.code, team.other_unit.code
    final = {role: by_code(clients[role].get(PERIODS)) for role in
             ("filler_a", "filler_b", "department", "finance")}
    assert _states(final["filler_a"]["2025-07"]) == {a: "locked"}
    assert _states(final["filler_a"]["2025-final"]) == {a: "open"}
    assert _states(final["filler_b"]["2025-07"]) == {b: "unit_open"}
    assert final["filler_b"]["2025-07"]["unit_states"][0]["state_label"] == "已锁定（本单位已解锁）"
    assert _states(final["department"]["2025-07"]) == {a: "locked", b: "unit_open"}
    # finance has no unit of its own: the units opened again say what differs
    assert final["finance"]["2025-07"]["unit_states"] == []
    assert final["finance"]["2025-07"]["unlocked_units"] == [
        {"code": b, "name": team.other_unit.name}]
    # another unit's unlock is not disclosed
    assert final["filler_a"]["2025-07"]["unlocked_units"] == []
    assert final["filler_b"]["2025-07"]["unlocked_units"] == [
        {"code": b, "name": team.other_unit.name}]


def test_current_marks_the_period_the_home_page_shows(world, client):
    team, july, clients = world
    client.force_login(team.filler)
    shown = client.get(reverse("entry:home")).context["period"]
    rows = by_code(clients["filler_a"].get(PERIODS))
    assert [code for code, row in rows.items() if row["current"]] == [shown.code] == ["2025-final"]


def test_periods_filter_by_year_and_kind_and_refuse_a_bad_value(world):
    team, july, clients = world
    PeriodFactory(code="2024-final", year=2024, name="2024 年度绩效自评")
    filler = clients["filler_a"]
    assert list(by_code(filler.get(PERIODS, {"year": "2024"}))) == ["2024-final"]
    assert list(by_code(filler.get(PERIODS, {"kind": "monitoring"}))) == ["2025-07"]
    for params, field in (({"year": "25"}, "year"), ({"kind": "yearly"}, "kind")):
        response = filler.get(PERIODS, params)
        assert response.status_code == 400
        body = response.json()
        assert [e["field"] for e in body["errors"]] == [field]
        assert body["detail"].startswith(f"输入有误：{field}：")


def test_every_role_reads_one_period_and_an_unknown_code_is_404(world):
    team, july, clients = world
    url = reverse("api:period-detail", args=["2025-07"])
    for role in ROLES:
        response = clients[role].get(url)
        if role in REFUSED:
            assert response.status_code == 401, role
        else:
            assert response.status_code == 200, role
            assert response.json()["code"] == "2025-07"
    assert _states(clients["filler_b"].get(url).json()) == {team.other_unit.code: "unit_open"}
    missing = clients["filler_a"].get(reverse("api:period-detail", args=["2099-13"]))
    assert missing.status_code == 404 and missing.json() == {"detail": "未找到该填报期间。"}


def test_a_read_only_token_may_not_write(world):
    assert world[2]["read_only"].post(PERIODS, {}, format="json").status_code == 403


def _queries(client, url) -> int:
    client.get(url)  # the token's first use stamps last_used_at once: not counted
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["department", "finance"])
def test_the_period_list_and_detail_take_the_same_queries_for_one_period_and_for_many(
        world, role, django_assert_num_queries):
    team, july, clients = world
    caller = clients[role]
    detail = reverse("api:period-detail", args=["2025-07"])
    few, few_detail = _queries(caller, PERIODS), _queries(caller, detail)
    for month in range(1, 7):
        period = MonitoringPeriodFactory(code=f"2025-0{month}", cutoff_month=month,
                                         name=f"2025 年 1–{month} 月绩效运行监控")
        lock(period, team.finance, at=timezone.now())
        unlock_unit(period, team.unit, team.finance, "补报")
    with django_assert_num_queries(few):
        assert len(caller.get(PERIODS).json()["results"]) == 8
    with django_assert_num_queries(few_detail):
        caller.get(detail)
