"""The project page: who sees and who may change what, saving drafts, the scores shown, the
lost-update refusal, locked periods, and a query count that does not grow."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.services.check_explanations import ask_explanation
from performance.services.checks import conclude, save_check
from performance.services.period_lock import unlock_unit
from tests.entry_setup import lock, make_team
from tests.factories import (
    CheckedProjectFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def url(team):
    return f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(team, values, *, action="save", spent="", versions=None, **extra):
    """The POST of the page: `values` are the actual values of the indicators, in order."""
    versions = versions or {}
    data = {"period": team.period.code, "action": action, "p-version": versions.get("p", ""),
            "p-spent": spent, "p-spent_reason": ""}
    for ind, value in zip(team.indicators, values, strict=False):
        prefix = f"i{ind.id}"
        data.update({f"{prefix}-version": versions.get(ind.id, ""),
                     f"{prefix}-actual_value": value, f"{prefix}-explanation": ""})
    data.update(extra)
    return data


def test_a_filler_sees_the_goal_the_targets_and_the_entry_form(team):
    page = as_user(team.filler).get(url(team)).content.decode()
    assert "完成年度工作任务" in page  # 年度目标
    assert all(ind.name in page for ind in team.indicators)
    assert "保存草稿" in page and "保存并提交审核" in page
    assert 'rowspan="6"' in page  # 一级/二级 merged over the three indicators, as in 表13


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_reviewers_see_the_page_without_the_entry_form(team, who):
    response = as_user(getattr(team, who)).get(url(team))
    page = response.content.decode()
    assert response.status_code == 200 and team.project.name in page
    assert 'value="save"' not in page and 'name="i' not in page


def test_an_outsider_gets_404(team):
    assert as_user(team.outsider).get(url(team)).status_code == 404
    assert as_user(team.outsider).post(url(team), form_data(team, [1])).status_code == 404


def test_an_unknown_project_is_404_even_for_finance(team):
    response = as_user(team.finance).get(reverse("entry:project", args=[999999]))
    assert response.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(team):
    response = Client().get(url(team))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_saving_shows_each_indicators_score_explanation_and_light_and_the_total(team):
    client = as_user(team.filler)
    response = client.post(url(team), form_data(team, ["100", "50", ""], spent="95"))
    assert response.status_code == 302
    page = client.get(url(team)).content.decode()
    assert "已保存草稿" in page
    assert "完成值 100人次 达到指标值 100人次，得满分 30.00" in page
    assert "按比例得分" in page and "未填报完成值，得 0 分" in page
    assert 'id="score-total">54.50' in page  # 30 + 15 + 0 + 执行 9.50
    record = IndicatorRecord.objects.get(indicator=team.indicators[0], period=team.period)
    assert record.actual_value == 100 and record.updated_by == team.filler


def test_a_number_typed_with_separators_and_percent_is_understood(team):
    as_user(team.filler).post(url(team), form_data(team, ["1,200", "95%", "８０"]))
    values = IndicatorRecord.objects.order_by("indicator__position").values_list(
        "actual_value", flat=True)
    assert list(values) == [1200, 95, 80]


def test_an_invalid_number_is_refused_with_a_message_and_nothing_is_saved(team):
    response = as_user(team.filler).post(url(team), form_data(team, ["很多", "1", "2"]))
    page = response.content.decode()
    assert response.status_code == 200 and "请填写数字" in page and "未保存" in page
    assert not IndicatorRecord.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_reviewers_cannot_save_values(team, who):
    response = as_user(getattr(team, who)).post(url(team), form_data(team, ["1", "2", "3"]),
                                               follow=True)
    assert not IndicatorRecord.objects.exists()
    assert "不能修改" in response.content.decode() or "只有本单位的填报人" in response.content.decode()


def test_submitting_an_incomplete_project_saves_the_draft_and_lists_what_is_missing(team):
    response = as_user(team.filler).post(url(team), form_data(team, ["100"], action="submit"),
                                         follow=True)
    page = response.content.decode()
    assert "不能提交" in page and f"“{team.indicators[1].name}”未填写完成值" in page
    assert IndicatorRecord.objects.count() == 1
    assert ProjectRecord.objects.get(project=team.project).status == WorkflowStatus.DRAFT


def test_a_complete_project_is_submitted_and_becomes_read_only_for_the_filler(team):
    client = as_user(team.filler)
    client.post(url(team), form_data(team, ["100", "100", "100"], action="submit", spent="100"))
    assert ProjectRecord.objects.get(project=team.project).status == WorkflowStatus.SUBMITTED
    page = client.get(url(team)).content.decode()
    assert 'value="save"' not in page and "不能修改" in page and "已提交审核" in page


def test_the_later_of_two_saves_is_refused_and_shows_the_saved_value(team):
    MembershipFactory(user=team.reviewer, unit=team.unit, role="filler")  # a second filler
    first, second = as_user(team.filler), as_user(team.reviewer)  # both read the empty page
    first.post(url(team), form_data(team, ["90"]))
    response = second.post(url(team), form_data(team, ["95"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "保存未成功" in page and "张填报" in page and "你填写的 95 未保存" in page
    assert f'name="i{team.indicators[0].id}-actual_value" value="90"' in page
    assert IndicatorRecord.objects.get(indicator=team.indicators[0]).actual_value == 90


def test_a_locked_period_is_read_only_and_says_since_when_and_by_whom(team):
    lock(team.period, team.finance)
    page = as_user(team.filler).get(url(team)).content.decode()
    assert "2026-04-01 09:30" in page and "王财政" in page and "锁定" in page
    assert 'value="save"' not in page
    as_user(team.filler).post(url(team), form_data(team, ["1"]))
    assert not IndicatorRecord.objects.exists()


def test_the_history_of_changes_is_shown(team):
    client = as_user(team.filler)
    client.post(url(team), form_data(team, ["90"]))
    version = IndicatorRecord.objects.get().version
    client.post(url(team), form_data(team, ["95"], versions={team.indicators[0].id: version}))
    page = client.get(url(team)).content.decode()
    assert "修改记录" in page and "张填报" in page
    assert '<span class="old">90</span> → <span class="new">95</span>' in page


def test_writes_need_a_csrf_token(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.filler)
    assert client.post(url(team), form_data(team, ["1"])).status_code == 403


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["filler", "finance"])
def test_the_page_runs_the_same_number_of_queries_for_10_or_200_projects_and_more_indicators(
        team, who):
    client = as_user(getattr(team, who))
    as_user(team.filler).post(url(team), form_data(team, ["100", "90", "80"], spent="50"))
    for _ in range(9):
        ProjectFactory(unit=team.unit)
    small = count_queries(client, url(team))
    for _ in range(190):
        ProjectFactory(unit=team.unit)
    for _ in range(17):
        IndicatorFactory(project=team.project, weight=Decimal(1))
    assert count_queries(client, url(team)) == small


def test_page_renders_when_the_reviewer_who_returned_it_was_deleted(team):
    from django.utils import timezone

    ProjectRecord.objects.create(
        project=team.project, period=team.period, status=WorkflowStatus.RETURNED,
        return_reason="佐证材料不全", reviewed_at=timezone.now(), reviewed_by=None,
    )
    response = as_user(team.filler).get(url(team))
    assert response.status_code == 200
    assert "佐证材料不全" in response.content.decode()


def test_an_indicator_without_a_value_scores_as_missing_not_as_zero(team):
    IndicatorRecordFactory(indicator=team.indicators[0], period=team.period,
                           actual_value=Decimal(50))
    IndicatorRecordFactory(indicator=team.indicators[1], period=team.period,
                           explanation="统计中")  # a record, but no value
    page = as_user(team.reviewer).get(url(team)).content.decode()
    cells = page.split('<td class="num indicator-score">')[1:]
    shown = [cell.split("<div")[0] for cell in cells]
    assert shown == ["15.00", "未填", "未填"]
    assert page.count("评分说明：未填报完成值，得 0 分") == 2  # the explanation stays


# ---------------------------------------------------------------- missing values, reopen, unit unlock


def test_a_missing_value_with_its_reason_is_submitted_from_the_page(team):
    data = form_data(team, [100, 100, ""], action="submit", spent="95")
    data[f"i{team.indicators[2].id}-explanation"] = "年度统计数据尚未发布"
    response = as_user(team.filler).post(url(team), data, follow=True)
    assert "已提交审核" in response.content.decode()
    assert ProjectRecord.objects.get(project=team.project).status == WorkflowStatus.SUBMITTED


def test_what_keeps_a_project_from_being_submitted_links_to_the_field(team):
    as_user(team.filler).post(url(team), form_data(team, [100, 100, ""], spent="95"))
    page = as_user(team.filler).get(url(team)).content.decode()
    missing = team.indicators[2]
    assert f'<a href="#id_i{missing.id}-actual_value" class="problem-link">' in page
    assert f'id="id_i{missing.id}-actual_value"' in page  # the link's target exists


def test_finance_sees_reopen_on_an_approved_project_and_the_unit_reviewer_does_not(team):
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.APPROVED)
    assert "重新打开" in as_user(team.finance).get(url(team)).content.decode()
    page = as_user(team.reviewer).get(url(team)).content.decode()
    assert "重新打开" not in page and "退回修改" not in page


def test_finance_reopens_from_the_page_and_the_filler_can_change_again(team):
    record = ProjectRecord.objects.create(project=team.project, period=team.period,
                                          status=WorkflowStatus.APPROVED)
    response = as_user(team.finance).post(
        reverse("entry:reopen", args=[team.project.pk]),
        {"period": team.period.code, "version": record.version, "reason": "抽查发现差错"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == WorkflowStatus.RETURNED and record.return_reason == "抽查发现差错"
    assert 'value="save"' in as_user(team.filler).get(url(team)).content.decode()


def test_a_unit_reviewer_posting_reopen_is_refused(team):
    record = ProjectRecord.objects.create(project=team.project, period=team.period,
                                          status=WorkflowStatus.APPROVED)
    response = as_user(team.reviewer).post(
        reverse("entry:reopen", args=[team.project.pk]),
        {"period": team.period.code, "version": record.version, "reason": "想改"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == WorkflowStatus.APPROVED


def test_a_unit_opened_after_the_lock_can_enter_values_again(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    page = as_user(team.filler).get(url(team)).content.decode()
    assert "已为本单位单独解锁" in page and 'value="save"' in page
    as_user(team.filler).post(url(team), form_data(team, [88]))
    assert IndicatorRecord.objects.get(indicator=team.indicators[0]).actual_value == 88


def test_a_project_with_nothing_entered_shows_not_entered_instead_of_a_poor_grade(team):
    page = as_user(team.reviewer).get(url(team)).content.decode()
    total = page.split('id="score-total"')[1].split("</span>")[0]
    grade = page.split('id="score-grade"')[1].split("</span></div>")[0]
    assert "未填报" in total and "0.00" not in total
    assert "未填报" in grade and "差" not in grade


def test_finance_s_question_shows_to_the_unit_with_a_link_to_answer_it(team):
    checked = CheckedProjectFactory(batch__period=team.period, project=team.project)
    question = ask_explanation(checked, team.finance, "请说明<培训>人次的统计口径")
    body = as_user(team.filler).get(url(team)).content.decode()
    assert 'id="explanations"' in body
    assert reverse("checks:explanation", args=[question.pk]) in body
    assert "&lt;培训&gt;" in body and "<培训>" not in body


def test_the_check_beside_the_self_score_shows_to_finance_at_once_and_to_the_unit_once_done(team):
    checked = CheckedProjectFactory(batch__period=team.period, project=team.project)
    assert 'id="check-panel"' in as_user(team.finance).get(url(team)).content.decode()
    assert 'id="check-panel"' not in as_user(team.filler).get(url(team)).content.decode()
    rows = {ind.pk: (ind.weight, "", "") for ind in team.indicators}
    save_check(checked, team.finance, rows, version=checked.version)
    checked.refresh_from_db()
    conclude(checked, team.finance, "自评结果基本属实", version=checked.version)
    for who in (team.filler, team.reviewer):
        body = as_user(who).get(url(team)).content.decode()
        assert 'id="check-panel"' in body and "自评结果基本属实" in body
    assert as_user(team.outsider).get(url(team)).status_code == 404


def test_every_input_is_named_by_its_indicator_and_its_field(team):
    page = as_user(team.filler).get(url(team)).content.decode()
    first = team.indicators[0]
    for field, name in [("actual_value", "全年实际完成值"), ("explanation", "未完成原因及说明"),
                        ("corrective_measures", "改进措施")]:
        assert (f'id="id_i{first.id}-{field}" aria-label="指标「{first.name}」{name}"' in page)
    assert f'role="group" aria-label="指标「{first.name}」偏差原因"' in page


def test_the_checklist_shows_before_anything_is_saved_with_a_link_to_each_field(team):
    page = as_user(team.filler).get(url(team)).content.decode()
    checklist = page.split('id="submit-problems"')[1].split("</div>")[0]
    anchors = re.findall(r'<a href="#([^"]+)" class="problem-link">', checklist)
    assert len(anchors) == 4  # three values and the money spent
    assert all(f'id="{anchor}"' in page for anchor in anchors)
    assert '<a href="#submit-problems" class="small problems-count">提交前还需完成 4 项</a>' in page


def test_the_page_offers_the_live_preview_to_the_filler_only(team):
    preview = reverse("entry:preview", args=[team.project.pk])
    page = as_user(team.filler).get(url(team)).content.decode()
    assert f'data-preview-url="{preview}"' in page and "entry/preview.js" in page
    assert f'id="preview-i{team.indicators[0].id}"' in page
    assert f'data-preview-url="{preview}"' not in as_user(team.reviewer).get(url(team)).content.decode()


def test_the_year_end_form_has_structured_reasons_and_measures_and_no_monitoring_fields(team):
    first = team.indicators[0]
    page = as_user(team.filler).get(url(team)).content.decode()
    assert f'name="i{first.id}-deviation_reasons" value="经费"' in page and "改进措施" in page
    for monitoring_only in ("expected_value", "likelihood"):
        assert f"-{monitoring_only}" not in page
    table = page.split("target-table")[1].split("</table>")[0]
    assert "全年预计完成值" not in table and "完成可能性" not in table and "监控灯" not in table
    data = form_data(team, [80, 100, 100], spent="95")
    data.update({f"i{first.id}-deviation_reasons": ["经费", "其他"],
                 f"i{first.id}-corrective_measures": "下年度提前安排培训",
                 f"i{first.id}-explanation": "培训推迟到次年"})
    as_user(team.filler).post(url(team), data)
    record = IndicatorRecord.objects.get(indicator=first, period=team.period)
    assert record.deviation_reasons == ["经费", "其他"]
    assert record.corrective_measures == "下年度提前安排培训"
    shown = as_user(team.reviewer).get(url(team)).content.decode()
    assert "经费、其他" in shown and "下年度提前安排培训" in shown and "改进措施" in shown


def test_the_year_end_reasons_open_for_an_indicator_below_target(team):
    short, met = team.indicators[0], team.indicators[1]
    as_user(team.filler).post(url(team), form_data(team, [80, 100, 100], spent="95"))
    page = as_user(team.filler).get(url(team)).content.decode()
    assert f'<details class="year-end-reasons" open id="reasons-i{short.id}">' in page
    assert f'<details class="year-end-reasons" id="reasons-i{met.id}">' in page


def test_monitoring_keeps_its_own_fields_and_names_the_measures_纠偏措施():
    team = make_team(monitoring=True)
    first = team.indicators[0]
    page = as_user(team.filler).get(url(team)).content.decode()
    assert f'aria-label="指标「{first.name}」全年预计完成值"' in page
    assert f'aria-label="指标「{first.name}」纠偏措施"' in page and "year-end-reasons" not in page
    assert "监控灯" in page.split("target-table")[1].split("</table>")[0]


def test_an_empty_deviation_reasons_value_means_none_ticked(team):
    data = form_data(team, ["100"])
    data[f"i{team.indicators[0].pk}-deviation_reasons"] = ""
    response = as_user(team.filler).post(url(team), data)
    assert response.status_code == 302
    assert IndicatorRecord.objects.get(indicator=team.indicators[0],
                                       period=team.period).actual_value == Decimal(100)
