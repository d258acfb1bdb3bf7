"""api:project-values — a project's values in a period over the API: GET with its ETag, PATCH
with If-Match (428 without, 412 stale, 409 locked or submitted, 400 invalid, all or nothing),
through the one write path with history channel API; who may read and write (every role of
tests/api_setup.ROLES); the same accept/refuse as the project page; a constant query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import IndicatorRecord, ProjectRecord
from performance.services.entry import Entry, save_entries
from performance.services.workflow import submit
from performance.workflow import Channel
from tests.api_setup import ROLES, bearer, role_clients
from tests.entry_setup import lock, make_team
from tests.factories import IndicatorFactory, PeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def values_url(team, period=None):
    return reverse("api:project-values", args=[(period or team.period).code, team.project.pk])


def etag_of(client, team) -> str:
    return client.get(values_url(team)).headers["ETag"]


def patch(client, team, body, tag):
    return client.patch(values_url(team), body, format="json", HTTP_IF_MATCH=tag)


def written(team) -> tuple:
    """Everything a write changes: the records (values and versions) and the history rows."""
    indicators = list(IndicatorRecord.objects.filter(period=team.period).order_by("id").values_list(
        "indicator_id", "version", "actual_value", "explanation"))
    projects = list(ProjectRecord.objects.filter(period=team.period).values_list(
        "version", "spent", "status"))
    return (indicators, projects, IndicatorRecord.history.count(), ProjectRecord.history.count())


def saved_by_page(team, value=Decimal(90)):
    save_entries(team.project, team.period, team.filler,
                 {team.indicators[0].id: Entry(None, {"actual_value": value})})


def one(team, **values):
    return {"indicators": [{"indicator_id": team.indicators[0].id, **values}]}


# ---------------------------------------------------------------- reading


def test_get_answers_the_etag_in_the_header_and_the_body(team):
    saved_by_page(team)
    response = bearer(team.filler).get(values_url(team))
    assert response.status_code == 200
    tag = response.headers["ETag"]
    record = IndicatorRecord.objects.get(indicator=team.indicators[0])
    assert tag.startswith('"p0.n1.s0.t') and tag.endswith('"')
    assert response.json()["etag"] == tag
    assert response.json()["indicators"][0]["version"] == record.version


def test_get_shows_decimals_as_strings_and_every_indicator_with_its_fields(team):
    bearer(team.filler).patch(values_url(team), {"spent": "12.5", **one(team, actual_value="7600.25")},
                              format="json", HTTP_IF_MATCH=etag_of(bearer(team.filler), team))
    body = bearer(team.filler).get(values_url(team)).json()
    assert body["spent"] == "12.50"
    first = body["indicators"][0]
    assert first["actual_value"] == "7600.2500" and first["target_value"] == "100.0000"
    assert first["weight"] == "30.00"
    assert first["input_fields"] == ["actual_value", "deviation_reasons", "corrective_measures",
                                     "explanation"]
    assert [i["indicator_id"] for i in body["indicators"]] == [i.id for i in team.indicators]
    assert body["status"] == "draft" and body["editable"] is True
    assert body["allowed_actions"] == ["save", "submit"]


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_values(team, role):
    expected = {"anonymous": 401, "revoked": 401, "expired": 401, "filler_b": 404}.get(role, 200)
    response = role_clients(team)[role].get(values_url(team))
    assert response.status_code == expected
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_reviewer_reads_what_it_may_do_but_may_not_edit(team):
    body = bearer(team.reviewer).get(values_url(team)).json()
    assert body["editable"] is False and body["read_only_reason"] == "只有本单位的填报人可以填写和修改。"
    assert body["allowed_actions"] == []


def test_an_unknown_period_or_one_of_another_year_is_404(team):
    client = bearer(team.filler)
    other_year = PeriodFactory(code="2024-final", year=2024, name="2024 年度绩效自评")
    assert client.get(values_url(team, other_year)).status_code == 404
    missing = reverse("api:project-values", args=["1999-final", team.project.pk])
    assert client.get(missing).json()["detail"] == "未找到该填报期间"


def _with_indicators(count: int):
    team = make_team(indicators=count)
    for index, indicator in enumerate(team.indicators):
        save_entries(team.project, team.period, team.filler,
                     {indicator.id: Entry(None, {"actual_value": Decimal(index)})})
    return team


def test_reading_the_values_runs_as_many_queries_for_3_as_for_20_indicators(
        django_assert_num_queries):
    small, large = _with_indicators(3), _with_indicators(20)
    clients = {id(team): bearer(team.filler) for team in (small, large)}
    for team in (small, large):
        clients[id(team)].get(values_url(team))  # the token's first use is stamped once
    with CaptureQueriesContext(connection) as captured:
        assert clients[id(small)].get(values_url(small)).status_code == 200
    with django_assert_num_queries(len(captured.captured_queries)):
        body = clients[id(large)].get(values_url(large)).json()
    assert len(body["indicators"]) == 20


# ---------------------------------------------------------------- writing


def test_a_write_without_if_match_is_428_and_writes_nothing(team):
    before = written(team)
    response = bearer(team.filler).patch(values_url(team), one(team, actual_value="1"),
                                         format="json")
    assert response.status_code == 428 and "If-Match" in response.json()["detail"]
    assert written(team) == before


def test_if_match_star_is_refused_as_missing(team):
    response = patch(bearer(team.filler), team, one(team, actual_value="1"), "*")
    assert response.status_code == 428
    assert not IndicatorRecord.objects.exists()


def test_a_stale_if_match_is_412_names_what_changed_and_writes_nothing(team):
    client = bearer(team.filler)
    old = etag_of(client, team)
    saved_by_page(team)  # someone else's save after the client read
    before = written(team)
    response = patch(client, team, {"spent": "5", **one(team, actual_value="1")}, old)
    assert response.status_code == 412
    body = response.json()
    assert written(team) == before
    record = IndicatorRecord.objects.get(indicator=team.indicators[0])
    assert body["changes"] == [{
        "subject": team.indicators[0].name, "indicator_id": team.indicators[0].id, "by": "张填报",
        "at": body["changes"][0]["at"], "version": record.version}]
    assert body["detail"].startswith("自您读取后，张填报 于 ")
    assert f"修改了“{team.indicators[0].name}”；请重新读取后再提交。" in body["detail"]
    assert body["etag"] == response.headers["ETag"] == etag_of(client, team) != old


def test_a_fresh_if_match_writes_with_history_channel_api_and_answers_the_new_etag(team):
    client = bearer(team.filler)
    old = etag_of(client, team)
    response = patch(client, team, {"spent": "12.50", **one(team, actual_value="1,200")}, old)
    assert response.status_code == 200
    record = IndicatorRecord.objects.get(indicator=team.indicators[0])
    project_record = ProjectRecord.objects.get(project=team.project, period=team.period)
    assert record.actual_value == 1200 and project_record.spent == Decimal("12.50")
    assert {h.history_channel for h in record.history.all()} == {Channel.API}
    assert project_record.history.latest("history_id").history_channel == Channel.API
    history = record.history.get()
    assert (history.history_user, history.history_change_reason) == (team.filler, "API 令牌：tests")
    new = response.headers["ETag"]
    assert new != old and response.json()["etag"] == new == etag_of(client, team)
    assert patch(client, team, one(team, actual_value="1300"), new).status_code == 200


def test_a_write_changes_only_the_fields_it_gives_and_null_clears_one(team):
    client = bearer(team.filler)
    patch(client, team, one(team, actual_value="5", explanation="原因"), etag_of(client, team))
    patch(client, team, one(team, actual_value=None), etag_of(client, team))
    record = IndicatorRecord.objects.get(indicator=team.indicators[0])
    assert record.actual_value is None and record.explanation == "原因"


def test_json_numbers_are_read_exactly_never_as_floats(team):
    client = bearer(team.filler)
    response = client.patch(values_url(team),
                            f'{{"indicators": [{{"indicator_id": {team.indicators[0].id}, '
                            '"actual_value": 0.1234}], "spent": 1.1}',
                            content_type="application/json", HTTP_IF_MATCH=etag_of(client, team))
    assert response.status_code == 200
    assert IndicatorRecord.objects.get().actual_value == Decimal("0.1234")
    assert ProjectRecord.objects.get().spent == Decimal("1.10")


def test_a_locked_period_is_409_with_the_lock_text_and_nothing_written(team):
    client = bearer(team.filler)
    lock(team.period, team.finance)
    before = written(team)
    response = patch(client, team, one(team, actual_value="1"), etag_of(client, team))
    assert response.status_code == 409
    assert "已于 2026-04-01 09:30 由 王财政 锁定" in response.json()["detail"]
    assert written(team) == before


def test_a_submitted_project_is_409_and_nothing_written(team):
    for indicator in team.indicators:
        save_entries(team.project, team.period, team.filler,
                     {indicator.id: Entry(None, {"actual_value": Decimal(100)})})
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    save_entries(team.project, team.period, team.filler, {},
                 Entry(record.version, {"spent": Decimal(95)}))
    submit(team.project, team.period, team.filler)
    client = bearer(team.filler)
    before = written(team)
    response = patch(client, team, one(team, actual_value="1"), etag_of(client, team))
    assert response.status_code == 409 and "已提交" in response.json()["detail"]
    assert written(team) == before


def test_invalid_values_are_400_with_field_paths_and_nothing_is_written(team):
    client = bearer(team.filler)
    body = {"spent": "-1", "indicators": [
        {"indicator_id": team.indicators[0].id, "actual_value": "100"},  # valid, not written
        {"indicator_id": team.indicators[1].id, "actual_value": "很多"},
        {"indicator_id": team.indicators[2].id, "deviation_reasons": ["天气"],
         "expected_value": "1"},
    ]}
    response = patch(client, team, body, etag_of(client, team))
    assert response.status_code == 400
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields["spent"] == "不能为负数。"
    assert fields["indicators[1].actual_value"] == "请填写数字。"
    assert "indicators[2].deviation_reasons" in fields
    assert fields["indicators[2].expected_value"].startswith(
        f"指标“{team.indicators[2].name}”本期不填写此项")
    assert "indicators[0].actual_value" not in fields
    assert not IndicatorRecord.objects.exists() and not ProjectRecord.objects.exists()


def test_an_indicator_of_another_project_is_400_naming_its_path(team):
    stranger = IndicatorFactory()
    client = bearer(team.filler)
    body = {"indicators": [{"indicator_id": team.indicators[0].id, "actual_value": "1"},
                           {"indicator_id": stranger.id, "actual_value": "1"}]}
    response = patch(client, team, body, etag_of(client, team))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "indicators[1].indicator_id",
                                          "message": f"指标 {stranger.id} 不是本项目本期填报的指标。"}]
    assert not IndicatorRecord.objects.exists()


def test_a_repeated_indicator_and_unknown_fields_are_400(team):
    client = bearer(team.filler)
    first = team.indicators[0].id
    body = {"note": "x", "indicators": [{"indicator_id": first}, {"indicator_id": first},
                                        {"indicator_id": team.indicators[1].id, "deduction": "1"}]}
    response = patch(client, team, body, etag_of(client, team))
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert response.status_code == 400
    assert fields == {"note": "未知字段。", "indicators[1].indicator_id": "与 indicators[0] 重复。",
                      "indicators[2].deduction": "未知字段。"}


def test_more_values_than_the_batch_limit_are_400(team, settings):
    settings.API_MAX_BATCH_VALUES = 3
    client = bearer(team.filler)
    body = {"spent": "1", "indicators": [{"indicator_id": i.id, "actual_value": "1"}
                                         for i in team.indicators]}
    response = patch(client, team, body, etag_of(client, team))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "indicators",
                                          "message": "一次最多写入 3 个值，本次 4 个；请分批提交。"}]
    assert not IndicatorRecord.objects.exists()
    body["spent"] = None
    del body["spent"]
    assert patch(client, team, body, etag_of(client, team)).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_writes_the_values(team, role):
    clients = role_clients(team)
    tag = etag_of(clients["filler_a"], team)
    expected = {"anonymous": 401, "revoked": 401, "expired": 401, "filler_b": 404,
                "read_only": 403, "reviewer": 403, "department": 403, "finance": 403,
                "filler_a": 200}[role]
    response = patch(clients[role], team, one(team, actual_value="1"), tag)
    assert response.status_code == expected
    assert IndicatorRecord.objects.exists() == (expected == 200)


def test_finance_is_told_it_reviews_and_does_not_enter_values(team):
    tag = etag_of(bearer(team.filler), team)
    response = patch(bearer(team.finance), team, one(team, actual_value="1"), tag)
    assert response.json()["detail"] == "财政审核人只审核，不能修改单位填报的数据。"


def test_a_browser_session_without_its_csrf_token_writes_nothing(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.filler)
    tag = client.get(values_url(team)).headers["ETag"]
    refused = client.patch(values_url(team), one(team, actual_value="1"),
                           content_type="application/json", HTTP_IF_MATCH=tag)
    assert refused.status_code == 403 and not IndicatorRecord.objects.exists()


# ---------------------------------------------------------------- the page and the API agree


GOOD_AND_BAD = ["1,200", "95%", "８０", "-3", "1.23456", "很多", "1e3", "", "12345678901234567890",
                " 7 "]


def test_the_page_and_the_api_accept_and_refuse_the_same_values(team):
    page = Client()
    page.force_login(team.filler)
    page_url = f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"
    api = bearer(team.filler)
    indicator = team.indicators[0]
    for text in GOOD_AND_BAD:
        IndicatorRecord.objects.all().delete()
        page.post(page_url, {"period": team.period.code, "action": "save", "p-version": "",
                             "p-spent": "", "p-spent_reason": "", f"i{indicator.id}-version": "",
                             f"i{indicator.id}-actual_value": text})
        by_page = IndicatorRecord.objects.filter(indicator=indicator).values_list(
            "actual_value", flat=True).first()
        IndicatorRecord.objects.all().delete()
        response = patch(api, team, one(team, actual_value=text), etag_of(api, team))
        by_api = IndicatorRecord.objects.filter(indicator=indicator).values_list(
            "actual_value", flat=True).first()
        assert (response.status_code == 200) == (by_page is not None or text == ""), text
        assert by_api == by_page, text


def test_a_qualitative_grade_and_the_monitoring_fields_follow_the_page_s_choices():
    team = make_team(monitoring=True, qualitative=True)
    client = bearer(team.filler)
    grade = team.indicators[-1]
    body = {"indicators": [{"indicator_id": grade.id, "actual_grade": "良", "expected_grade": "优",
                            "likelihood": "有可能", "deviation_reasons": ["人员", "经费"]}]}
    assert patch(client, team, body, etag_of(client, team)).status_code == 200
    record = IndicatorRecord.objects.get(indicator=grade)
    assert (record.actual_grade, record.likelihood, record.deviation_reasons) == (
        "良", "有可能", ["经费", "人员"])
    bad = {"indicators": [{"indicator_id": grade.id, "actual_grade": "甲", "likelihood": "也许"}]}
    response = patch(client, team, bad, etag_of(client, team))
    assert {e["field"] for e in response.json()["errors"]} == {
        "indicators[0].actual_grade", "indicators[0].likelihood"}
    assert IndicatorRecord.objects.get(indicator=grade).actual_grade == "良"


def test_the_record_a_refused_write_made_to_lock_is_rolled_back(team):
    client = bearer(team.filler)
    response = patch(client, team, one(team, actual_value="1"), '"p9.n9.s9.t9"')
    assert response.status_code == 412 and response.json()["changes"] == []
    assert not ProjectRecord.objects.exists()
