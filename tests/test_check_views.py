"""The 复核 page and the 补充说明 page: finance enters scores (errors next to their rows, values
kept, nothing written), concludes and reopens; the unit's filler and reviewer and an outsider
get 404 before the check is done, the unit sees it read-only after; the unit answers a
question on the explanation page, an outsider gets 404 there; bounded queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import (
    CheckScore,
    CheckStatus,
    ExplanationRequest,
    ExplanationStatus,
    Notice,
)
from performance.services import check_explanations, checks
from performance.services.evidence import upload_evidence
from tests import evidence_files as files

from .entry_setup import make_team
from .factories import CheckedProjectFactory, IndicatorRecordFactory, ProjectRecordFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def team():
    team = make_team()
    for indicator, actual in zip(team.indicators, (100, 100, 90), strict=True):
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=D(actual))
    ProjectRecordFactory(project=team.project, period=team.period, spent=D(95))
    return team


@pytest.fixture
def checked(team):
    return CheckedProjectFactory(batch__period=team.period, project=team.project)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, obj, *extra):
    return reverse(f"checks:{name}", args=[obj.pk, *extra])


def page(response) -> str:
    return response.content.decode()


def grid(team, checked, scores=("30", "25", "20"), reasons=("", "进度滞后", "质量未达标"), **extra):
    checked.refresh_from_db()
    data = {"version": checked.version, "verified_spent": "", "execution_score": "",
            "execution_note": "", "conclusion": "", "action": "save"}
    for indicator, score, reason in zip(team.indicators, scores, reasons, strict=True):
        data[f"i{indicator.id}-score"] = score
        data[f"i{indicator.id}-deduction_reason"] = reason
        data[f"i{indicator.id}-opinion"] = ""
    data.update(extra)
    return data


def done(team, checked):
    saved = checks.save_check(checked, team.finance, {
        ind.id: (D(s), r, "") for ind, s, r in zip(team.indicators, ("30", "25", "20"),
                                                   ("", "进度滞后", "质量未达标"), strict=True)},
        version=checked.version)
    return checks.conclude(saved, team.finance, "自评偏高", version=saved.version)


# -- finance ---------------------------------------------------------------------------------------


def test_finance_sees_the_grid_beside_the_self_scores(team, checked):
    html = page(as_user(team.finance).get(url("check", checked)))
    first = team.indicators[0]
    assert f'name="i{first.id}-score"' in html and 'name="verified_spent"' in html
    assert "自评偏差" in html and "96.50" in html  # the self total
    assert "保存" in html and "要求单位补充说明" in html
    assert 'value="conclude"' in html  # 待复核: scores and 完成复核 in one step


def test_finance_enters_scores_and_sees_totals_and_differences(team, checked):
    client = as_user(team.finance)
    response = client.post(url("check_save", checked), grid(team, checked, verified_spent="80"))
    assert response.status_code == 302 and response["Location"] == url("check", checked)
    assert sorted(CheckScore.objects.values_list("score", flat=True)) == [D(20), D(25), D(30)]
    html = page(client.get(url("check", checked)))
    assert "已保存复核得分" in html
    assert "83.00" in html and "+13.50" in html  # 复核 total and 自评偏差
    assert "−5.00" in html and "−7.00" in html  # per-indicator differences
    checked.refresh_from_db()
    assert checked.status == CheckStatus.IN_PROGRESS and checked.check_total == D("83.00")


def test_errors_are_shown_next_to_their_rows_with_the_typed_values_and_nothing_is_written(
        team, checked):
    data = grid(team, checked, scores=("31", "25", "-2"), reasons=("", "", "x"))
    html = page(as_user(team.finance).post(url("check_save", checked), data))
    first, second, third = team.indicators
    assert f'href="#id_i{first.id}-score"' in html and "复核得分不能超过权重 30" in html
    assert f'href="#id_i{second.id}-deduction_reason"' in html and "须填写扣分原因" in html
    assert f'href="#id_i{third.id}-score"' in html and "复核得分不能为负数" in html
    row = html.split(f'id="row-{first.id}"')[1].split("</tr>")[0]
    assert 'value="31"' in row and "复核得分不能超过权重 30" in row
    assert not CheckScore.objects.exists()


def test_a_number_that_is_not_one_is_reported_at_its_field(team, checked):
    data = grid(team, checked, scores=("三十", "30", "30"), reasons=("", "", ""))
    html = page(as_user(team.finance).post(url("check_save", checked), data))
    assert f'href="#id_i{team.indicators[0].id}-score"' in html and "请填写数字" in html
    assert not CheckScore.objects.exists()


def test_a_stale_page_is_refused_with_its_values_kept(team, checked):
    client = as_user(team.finance)
    stale = grid(team, checked)
    client.post(url("check_save", checked), grid(team, checked, scores=("30", "20", "20")))
    html = page(client.post(url("check_save", checked), {**stale, f"i{team.indicators[1].id}-score": "26"}))
    assert "其他人已修改了该项目的复核" in html and 'value="26"' in html
    assert CheckScore.objects.get(indicator=team.indicators[1]).score == D(20)


def test_concluding_from_the_page(team, checked):
    client = as_user(team.finance)
    partial = {"scores": ("30", "25", ""), "reasons": ("", "进度滞后", "")}
    client.post(url("check_save", checked), grid(team, checked, **partial))
    response = client.post(url("check_save", checked),
                           grid(team, checked, **partial, action="conclude", conclusion="偏高"),
                           follow=True)
    assert "还不能完成复核" in page(response) and "还有 1 项指标未录入复核得分" in page(response)
    response = client.post(url("check_save", checked), grid(team, checked, action="conclude",
                                                            conclusion="自评偏高"), follow=True)
    assert "已完成复核" in page(response)
    checked.refresh_from_db()
    assert checked.status == CheckStatus.DONE and checked.conclusion == "自评偏高"
    html = page(response)
    assert 'name="i' not in html and "重新打开复核" in html


def test_reopening_from_the_page_needs_a_reason(team, checked):
    finished = done(team, checked)
    client = as_user(team.finance)
    html = page(client.post(url("check_reopen", finished),
                            {"reopen-reason": "", "reopen-version": finished.version}))
    assert "请填写重新打开原因" in html
    client.post(url("check_reopen", finished),
                {"reopen-reason": "单位补充了验收报告", "reopen-version": finished.version})
    finished.refresh_from_db()
    assert finished.status == CheckStatus.IN_PROGRESS


# -- who sees what ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
def test_the_unit_and_outsiders_get_404_before_the_check_is_done(team, checked, who):
    client = as_user(getattr(team, who))
    checks.save_check(checked, team.finance, {team.indicators[0].id: (D(30), "", "")}, version=0)
    assert client.get(url("check", checked)).status_code == 404
    assert client.post(url("check_save", checked), grid(team, checked)).status_code == 404
    assert client.post(url("check_ask", checked), {"ask-question": "?"}).status_code == 404
    assert CheckScore.objects.count() == 1


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_the_unit_sees_the_done_check_read_only(team, checked, who):
    finished = done(team, checked)
    client = as_user(getattr(team, who))
    html = page(client.get(url("check", finished)))
    assert "已复核" in html and "自评偏高" in html and "84.50" in html and "进度滞后" in html
    assert 'name="i' not in html and "check_save" not in html and 'id="ask"' not in html
    assert 'id="reopen"' not in html
    # and cannot change it
    response = client.post(url("check_save", finished), grid(team, finished, scores=("30", "30", "30")))
    assert "只有财政审核人可以复核项目" in page(response)
    assert CheckScore.objects.get(indicator=team.indicators[1]).score == D(25)


def test_an_outsider_gets_404_even_after_done(team, checked):
    finished = done(team, checked)
    assert as_user(team.outsider).get(url("check", finished)).status_code == 404


# -- 补充说明 ------------------------------------------------------------------------------------------


def test_finance_asks_and_the_filler_answers_on_the_explanation_page(team, checked):
    finance = as_user(team.finance)
    finance.post(url("check_ask", checked), {"ask-question": "请说明完成值的来源",
                                             "ask-indicator": team.indicators[2].id})
    asked = ExplanationRequest.objects.get()
    assert asked.indicator == team.indicators[2]
    notice = Notice.objects.get(recipient=team.filler)
    assert notice.url == url("explanation", asked)
    filler = as_user(team.filler)
    html = page(filler.get(notice.url))
    assert "请说明完成值的来源" in html and 'name="answer"' in html
    response = filler.post(notice.url, {"answer": "见验收报告"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == ExplanationStatus.ANSWERED and asked.answered_by == team.filler
    assert Notice.objects.filter(recipient=team.finance).exists()
    html = page(finance.get(url("check", checked)))
    assert "见验收报告" in html and "已说明" in html


def test_the_explanation_page_for_finance_offers_withdrawing(team, checked):
    asked = check_explanations.ask_explanation(checked, team.finance, "请说明")
    client = as_user(team.finance)
    html = page(client.get(url("explanation", asked)))
    assert "撤回该问题" in html and 'name="answer"' not in html
    response = client.post(url("explanation_withdraw", asked))
    assert response["Location"] == url("check", checked)
    asked.refresh_from_db()
    assert asked.status == ExplanationStatus.WITHDRAWN


def test_an_outsider_gets_404_on_the_explanation_page(team, checked):
    asked = check_explanations.ask_explanation(checked, team.finance, "请说明")
    client = as_user(team.outsider)
    assert client.get(url("explanation", asked)).status_code == 404
    assert client.post(url("explanation", asked), {"answer": "x"}).status_code == 404
    assert client.post(url("explanation_withdraw", asked)).status_code == 404
    asked.refresh_from_db()
    assert asked.status == ExplanationStatus.OPEN


def test_the_filler_cannot_withdraw(team, checked):
    asked = check_explanations.ask_explanation(checked, team.finance, "请说明")
    response = as_user(team.filler).post(url("explanation_withdraw", asked), follow=True)
    assert "只有财政审核人可以撤回补充说明要求" in page(response)
    asked.refresh_from_db()
    assert asked.status == ExplanationStatus.OPEN


# -- queries ------------------------------------------------------------------------------------------


def _queries_of_the_page(team, checked) -> int:
    first = team.indicators[0]
    saved = checks.save_check(checked, team.finance, {first.id: (first.weight, "", "")},
                              version=0)
    check_explanations.ask_explanation(saved, team.finance, "请说明",
                                       indicator=team.indicators[0])
    client = as_user(team.finance)
    client.get(url("check", checked))  # sessions, content types
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("check", checked)).status_code == 200
    return len(queries)


def test_the_check_page_reads_a_bounded_number_of_queries(team, checked):
    assert _queries_of_the_page(team, checked) <= 15  # 2 of them the 佐证材料 (files, indicators)


def test_the_check_pages_queries_do_not_grow_with_the_indicators(team, checked):
    few = _queries_of_the_page(team, checked)
    more = make_team(indicators=9)
    for indicator in more.indicators:
        IndicatorRecordFactory(indicator=indicator, period=more.period, actual_value=D(90))
    other = CheckedProjectFactory(batch=checked.batch, project=more.project)
    assert _queries_of_the_page(more, other) == few


def test_the_explanations_panel_lists_the_open_questions_for_the_project_page(team, checked):
    from django.template.loader import render_to_string

    asked = check_explanations.ask_explanation(checked, team.finance, "请说明<完成值>来源")
    found = check_explanations.open_explanations_for(team.project, team.period)
    html = render_to_string("checks/_explanations_panel.html", {"explanations": found})
    assert "财政复核要求补充说明" in html and url("explanation", asked) in html
    assert "请说明&lt;完成值&gt;来源" in html  # escaped
    assert render_to_string("checks/_explanations_panel.html", {"explanations": []}).strip() == ""


def test_the_check_page_shows_the_unit_s_evidence_beside_finance_s_own(team, checked):
    first = team.indicators[0]
    upload_evidence(team.project, team.period, team.filler, [files.upload("签到表.pdf")],
                    indicator=first)
    upload_evidence(team.project, team.period, team.finance, [files.upload("核查记录.pdf")],
                    indicator=first, checked=checked)
    body = page(as_user(team.finance).get(url("check", checked)))
    row = body[body.index(f'id="check-evidence-i{first.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "签到表.pdf" in row and "核查记录.pdf" in row
    assert 'id="check-evidence-upload"' in body and f"checked={checked.pk}" in body


def test_a_check_not_yet_started_is_scored_and_concluded_in_one_step(team, checked):
    assert checked.status == CheckStatus.PENDING
    client = as_user(team.finance)
    assert 'value="conclude"' in page(client.get(url("check", checked)))
    response = client.post(url("check_save", checked),
                           grid(team, checked, conclusion="基本属实", action="conclude"))
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == CheckStatus.DONE and checked.conclusion == "基本属实"
