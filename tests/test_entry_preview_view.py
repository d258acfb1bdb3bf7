"""The project page's live preview (entry:preview): the score and the reasons a typed value will
get, from the scoring service, before saving; only for who may save the page now."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.services.scoring import score_project_period
from performance.templatetags.entry_tags import indicator_score, pct, score
from tests.adjust_setup import approve_all, change_targets
from tests.entry_setup import lock, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def as_user(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def preview_url(team):
    return reverse("entry:preview", args=[team.project.pk])


def page_url(team):
    return f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"


def ask(client, team, indicator, value, **extra):
    data = {"period": team.period.code, "indicator": indicator.id,
            f"i{indicator.id}-actual_value": value, f"i{indicator.id}-explanation": ""}
    data.update(extra)
    return client.post(preview_url(team), data)


def saved(client, team, indicator, value, spent=""):
    data = {"period": team.period.code, "action": "save", "p-version": "", "p-spent": spent,
            "p-spent_reason": "", f"i{indicator.id}-version": "",
            f"i{indicator.id}-actual_value": value, f"i{indicator.id}-explanation": ""}
    assert client.post(page_url(team), data).status_code == 302
    return score_project_period(team.project, team.period)


def test_the_preview_gives_the_score_and_reasons_that_saving_gives(team):
    client, indicator = as_user(team.filler), team.indicators[0]
    answer = ask(client, team, indicator, "1,200").json()  # typed as people type it
    assert answer["ok"] and not IndicatorRecord.objects.exists()  # nothing saved
    shown = answer["indicator"]
    result = saved(client, team, indicator, "1,200")
    line = result.score.indicator_scores[0]
    assert shown["score"] == indicator_score(line) and shown["explanation"] == line.explanation
    assert [r["text"] for r in shown["reasons"]] == [r.text for r in line.reasons_needed]
    assert answer["total"] == score(result.score.total)
    assert answer["grade"] == result.score.grade.value


def test_a_shortfall_asks_for_the_reason_in_plain_words_and_names_its_field(team):
    indicator = team.indicators[0]
    answer = ask(as_user(team.filler), team, indicator, "80").json()["indicator"]
    assert answer["short"] and answer["score"] == "24.00"
    assert answer["reasons"] == [{"code": "shortfall", "text": "未达到指标值，需填写未完成原因",
                                  "done": False, "field": f"id_i{indicator.id}-explanation"}]
    written = ask(as_user(team.filler), team, indicator, "80",
                  **{f"i{indicator.id}-explanation": "经费延迟到位"}).json()["indicator"]
    assert written["reasons"][0]["done"] is True


def test_an_empty_value_asks_for_the_value_and_links_to_its_input(team):
    indicator = team.indicators[1]
    answer = ask(as_user(team.filler), team, indicator, "").json()["indicator"]
    assert answer["score"] == "未填"
    assert [(r["code"], r["field"]) for r in answer["reasons"]] == [
        ("missing", f"id_i{indicator.id}-actual_value")]


def test_a_target_met_needs_no_reason(team):
    answer = ask(as_user(team.filler), team, team.indicators[0], "100%").json()["indicator"]
    assert answer["score"] == "30.00" and answer["reasons"] == [] and not answer["short"]


def test_the_money_spent_previews_the_execution_score(team):
    client = as_user(team.filler)
    answer = client.post(preview_url(team), {"period": team.period.code, "p-spent": "50",
                                             "p-spent_reason": ""}).json()
    result = saved(client, team, team.indicators[0], "", spent="50")
    execution = result.score.execution
    assert answer["execution"]["score"] == indicator_score(execution)
    assert answer["execution"]["rate"] == pct(execution.rate_display) == "50.00%"
    assert [r["text"] for r in answer["execution"]["reasons"]] == [
        r.text for r in execution.reasons_needed] != []
    assert answer["execution"]["reasons"][0]["field"] == "id_p-spent_reason"


def test_a_bad_number_gets_a_clear_message(team):
    indicator = team.indicators[0]
    response = ask(as_user(team.filler), team, indicator, "很多")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": "请填写数字。",
                               "errors": {f"id_i{indicator.id}-actual_value": "请填写数字。"}}


def test_an_indicator_of_another_project_is_refused(team):
    other = make_team().indicators[0]
    response = ask(as_user(team.filler), team, other, "1")
    assert response.status_code == 400 and "没有这个指标" in response.json()["message"]


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_reviewers_get_no_preview(team, who):
    response = ask(as_user(getattr(team, who)), team, team.indicators[0], "1")
    assert response.status_code == 403


def test_an_outsider_gets_404(team):
    assert ask(as_user(team.outsider), team, team.indicators[0], "1").status_code == 404


def test_a_submitted_record_is_refused(team):
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.SUBMITTED)
    response = ask(as_user(team.filler), team, team.indicators[0], "1")
    assert response.status_code == 403 and response.json()["message"]


def test_a_locked_period_is_refused(team):
    lock(team.period, team.finance)
    response = ask(as_user(team.filler), team, team.indicators[0], "1")
    assert response.status_code == 403 and "锁定" in response.json()["message"]


def test_the_preview_needs_a_csrf_token_and_a_post(team):
    client = as_user(team.filler, enforce_csrf_checks=True)
    assert ask(client, team, team.indicators[0], "1").status_code == 403
    assert as_user(team.filler).get(preview_url(team)).status_code == 405


def test_the_preview_scores_against_the_targets_in_force_in_the_period():
    team = make_team(monitoring=True)  # 1–7 月: before the adjustment takes effect
    first = team.indicators[0]
    approve_all(change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(50)}},
                               effective_from=datetime.date(2025, 9, 1)),
                team.reviewer, team.finance)
    answer = ask(as_user(team.filler), team, first, "50").json()["indicator"]
    assert answer["score"] == "15.00"  # 50 of the 100 in force at the cut-off, not of the new 50
    assert not score_project_period(team.project, team.period).version.current


def test_the_preview_runs_the_same_number_of_queries_for_3_or_30_indicators():
    def queries(count):
        team = make_team(indicators=count)
        client = as_user(team.filler)
        ask(client, team, team.indicators[0], "1")  # the session and caches warmed
        with CaptureQueriesContext(connection) as captured:
            assert ask(client, team, team.indicators[-1], "80").status_code == 200
        return len(captured)

    assert queries(3) == queries(30)
