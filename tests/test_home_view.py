"""Home: the projects a user may see in a period, filtered, sorted, paginated and exported as
filtered; finance staff see every unit and a per-unit summary; bounded queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Project, ProjectCategory
from performance.models import ProjectRecord, WorkflowStatus
from performance.services.snapshot import refresh_snapshots
from tests.entry_setup import lock, make_team
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db
HOME = reverse("entry:home")
EXPORT = reverse("entry:export")


@pytest.fixture
def team():
    team = make_team()
    other = ProjectFactory(unit=team.other_unit, name="外单位的项目")
    ProjectRecordFactory(project=other, period=team.period, score_total=Decimal("88.00"),
                         score_grade="良", light="red", status=WorkflowStatus.SUBMITTED,
                         has_values=True)
    ProjectRecordFactory(project=team.project, period=team.period, score_total=Decimal("95.50"),
                         score_grade="优", light="green", spent=Decimal("80.00"), has_values=True)
    ProjectFactory(unit=team.unit, name="没有填报记录的项目", category=ProjectCategory.OPERATION)
    return team


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, **params) -> str:
    response = as_user(user).get(HOME, params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_unit_members_see_their_units_projects_only(team, who):
    html = page(getattr(team, who))
    assert team.project.name in html and "没有填报记录的项目" in html
    assert "外单位的项目" not in html and "各单位汇总" not in html


def test_finance_staff_see_every_unit_and_a_summary_per_unit(team):
    html = page(team.finance)
    assert team.project.name in html and "外单位的项目" in html and "各单位汇总" in html
    summary = page(team.finance, view="units")
    assert "平均得分" in summary
    assert f">{team.unit.name}</a>" in summary and f">{team.other_unit.name}</a>" in summary
    assert "95.50" in summary and "88.00" in summary  # each unit's average of stored scores


def test_the_summary_is_for_finance_staff_only(team):
    html = page(team.filler, view="units")
    assert "平均得分" not in html and team.project.name in html


def test_an_outsider_does_not_see_the_units_projects(team):
    html = page(team.outsider)
    assert "外单位的项目" in html and team.project.name not in html


def test_an_anonymous_visitor_is_sent_to_log_in():
    response = Client().get(HOME)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_row_shows_budget_spent_rate_score_grade_status_and_light(team):
    html = page(team.filler)
    assert "100.00" in html and "80.00" in html and "80.00%" in html
    assert "95.50" in html and "grade-a" in html and "草稿" in html and "绿灯" in html


@pytest.mark.parametrize("params, shown, hidden", [
    ({"status": "submitted"}, ["外单位的项目"], ["没有填报记录的项目"]),
    ({"status": "draft"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"light": "red"}, ["外单位的项目"], ["没有填报记录的项目"]),
    ({"light": "none"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"q": "没有填报"}, ["没有填报记录的项目"], ["外单位的项目"]),
    ({"category": "operation"}, ["没有填报记录的项目"], ["外单位的项目"]),
])
def test_filters_narrow_the_list(team, params, shown, hidden):
    html = page(team.finance, **params)
    assert all(name in html for name in shown) and not any(name in html for name in hidden)


def test_the_unit_filter_offers_only_visible_units(team):
    html = page(team.filler)
    assert f'value="{team.unit.pk}"' in html and f'value="{team.other_unit.pk}"' not in html
    html = page(team.finance, unit=team.other_unit.pk)
    assert "外单位的项目" in html and team.project.name not in html


def test_sorting_by_score_puts_the_highest_first_and_the_unscored_last(team):
    html = page(team.finance, sort="-score")
    assert html.index(team.project.name) < html.index("外单位的项目") < html.index("没有填报记录的项目")


def test_the_list_is_paginated(team):
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"分页项目{n:02d}")
    first, second = page(team.filler, sort="name"), page(team.filler, sort="name", page=2)
    assert "分页项目00" in first and "分页项目59" not in first and "分页项目59" in second


def test_the_export_holds_the_filtered_rows_of_every_page(team):
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"导出项目{n:02d}")
    response = as_user(team.finance).get(EXPORT, {"q": "导出项目"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目名称", "单位") and len(rows) == 61
    assert all(row[0].startswith("导出项目") for row in rows[1:])


def test_the_export_of_a_filler_holds_only_their_units(team):
    response = as_user(team.filler).get(EXPORT)
    names = [row[0] for row in load_workbook(BytesIO(response.content)).active.iter_rows(
        min_row=2, values_only=True)]
    assert sorted(names) == sorted([team.project.name, "没有填报记录的项目"])


def test_the_upload_panel_is_offered_to_fillers_only(team):
    assert "上传并导入" in page(team.filler)
    assert "上传并导入" not in page(team.finance)
    assert "上传并导入" not in page(team.reviewer)


def count_queries(user, **params) -> int:
    client = as_user(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who, params", [
    ("filler", {"sort": "-score", "status": "draft"}),
    ("finance", {"sort": "-score", "status": "draft"}),
    ("finance", {"view": "units", "u-sort": "-average"}),
])
def test_the_page_runs_the_same_number_of_queries_for_10_or_200_projects(team, who, params):
    user = getattr(team, who)
    for _ in range(7):
        ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period)
    small = count_queries(user, **params)
    for n in range(190):
        unit = team.unit if n % 2 else UnitFactory()
        ProjectRecordFactory(project=ProjectFactory(unit=unit), period=team.period,
                             light="yellow")
    assert Project.objects.count() == 200
    assert count_queries(user, **params) == small


def test_the_page_of_projects_is_read_once(team):
    # Ordered ids of the page, then those rows in full: the pagination must not read the
    # page again (a regression once cost a second full page query).
    for n in range(60):
        ProjectFactory(unit=team.unit, name=f"分页项目{n:02d}")
    client = as_user(team.finance)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    page_reads = [q["sql"] for q in queries.captured_queries
                  if 'FROM "budget_project"' in q["sql"] and "LIMIT" in q["sql"]]
    assert len(page_reads) == 1


# ---------------------------------------------------------------- honest missing values


@pytest.fixture
def entered():
    """The team's project with nothing entered (its record computed by a refresh: 0 分, 差),
    one with 1 indicator of 3 filled in, and one complete; snapshots as the pages store them."""
    team = make_team()
    partly = ProjectFactory(unit=team.unit, name="部分填报的项目", budget_amount=Decimal(10))
    done = ProjectFactory(unit=team.unit, name="全部填报的项目", budget_amount=Decimal(10))
    for project, values in ((partly, ["100", None, None]), (done, ["100", "100", "100"])):
        for value in values:
            indicator = IndicatorFactory(project=project, weight=Decimal(30))
            if value is not None:
                IndicatorRecordFactory(indicator=indicator, period=team.period,
                                       actual_value=Decimal(value))
    ProjectRecordFactory(project=done, period=team.period, spent=Decimal(10))
    refresh_snapshots(team.period)
    assert ProjectRecord.objects.get(project=team.project).score_grade == "差"  # stored
    return team


def row_of(html: str, name: str) -> str:
    start = html.index(f">{name}</a>")
    return html[html.rindex("<tr>", 0, start):html.index("</tr>", start)]


def test_a_project_with_nothing_entered_shows_not_entered_not_a_red_poor_grade(entered):
    row = row_of(page(entered.filler), entered.project.name)
    assert row.count("未填报") == 2  # its score and its grade
    assert ">0.00<" not in row and "差" not in row and "grade-d" not in row


def test_a_project_without_a_record_shows_not_entered(team):
    row = row_of(page(team.filler), "没有填报记录的项目")
    assert row.count("未填报") == 2 and "grade-" not in row


def test_a_partly_filled_project_shows_its_total_and_how_many_are_missing(entered):
    row = row_of(page(entered.filler), "部分填报的项目")
    assert "30.00" in row and "2 项未填" in row and "grade-d" in row  # the total as it is
    assert "未填报" not in row
    complete = row_of(page(entered.filler), "全部填报的项目")
    assert "100.00" in complete and "项未填" not in complete and "grade-a" in complete


@pytest.mark.parametrize("sort", ["score", "-score", "grade", "-grade"])
def test_sorting_by_score_or_grade_puts_not_entered_projects_last(entered, sort):
    html = page(entered.filler, sort=sort)
    assert max(html.index(">部分填报的项目<"), html.index(">全部填报的项目<")) < html.index(
        f">{entered.project.name}<")


def test_the_export_shows_not_entered_and_the_count_of_missing_indicators(entered):
    response = as_user(entered.filler).get(EXPORT)
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    assert header.index("未填指标数") == header.index("得分") + 1
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    empty = by_name[entered.project.name]
    assert (empty["得分"], empty["等级"], empty["未填指标数"]) == ("未填报", "未填报", None)
    partly = by_name["部分填报的项目"]
    assert (partly["得分"], partly["等级"], partly["未填指标数"]) == (30, "差", 2)
    assert by_name["全部填报的项目"]["未填指标数"] == 0


def test_the_summary_counts_not_entered_projects_and_leaves_them_out_of_the_average(entered):
    summary = page(entered.finance, view="units")
    assert ">未填报</a></th>" in summary  # a column of its own
    row = summary[summary.index(f">{entered.unit.name}</a>"):]
    row = row[:row.index("</tr>")]
    # 3 projects: 1 not entered; the average of 30 and 100 (not of 0, 30 and 100)
    assert '<td class="num">1</td>' in row and "65.00" in row and "43.33" not in row


# ---------------------------------------------------------------- review queues


@pytest.fixture
def queued(settings):
    """Two submitted projects of the team's unit, one of another unit, one 单位已审核 of the
    team's unit (its department has no reviewer, so finance decides it) and one approved."""
    settings.PAGE_CACHE_SECONDS = 0
    team = make_team()
    for name, unit, status in (("待审甲", team.unit, WorkflowStatus.SUBMITTED),
                               ("待审乙", team.unit, WorkflowStatus.SUBMITTED),
                               ("外单位待审", team.other_unit, WorkflowStatus.SUBMITTED),
                               ("单位已审", team.unit, WorkflowStatus.UNIT_APPROVED),
                               ("已审完", team.unit, WorkflowStatus.APPROVED)):
        ProjectRecordFactory(project=ProjectFactory(unit=unit, name=name), period=team.period,
                             status=status)
    return team


def test_a_unit_reviewer_sees_the_count_of_its_submitted_projects_first_and_in_the_header(queued):
    html = page(queued.reviewer)
    queue = html[html.index('id="unit-queue"'):]
    assert queue.startswith('id="unit-queue"') and "待填报审核" in queue[:400]
    assert '<span class="badge text-bg-primary">2</span> 个项目' in queue[:400]
    assert html.index('id="unit-queue"') < html.index("项目列表")
    header = html[html.index('id="queue-link"') - 200:html.index('id="queue-link"') + 400]
    assert "待填报审核" in header and ">2</span>" in header
    assert f"status=submitted&amp;unit={queued.unit.pk}" in header


def test_the_queue_link_lists_exactly_the_waiting_projects(queued):
    html = page(queued.reviewer, status="submitted", unit=queued.unit.pk)
    assert "待审甲" in html and "待审乙" in html
    assert "外单位待审" not in html and "已审完" not in html and "单位已审" not in html


def test_finance_sees_what_only_finance_decides(queued):
    html = page(queued.finance)
    assert 'id="finance-queue"' in html and 'id="unit-queue"' not in html
    queue = html[html.index('id="finance-queue"'):]
    assert "待财政审核" in queue[:300] and '<span class="badge text-bg-primary">1</span>' in queue[:300]


def test_a_filler_has_no_queue_and_no_queue_query(queued):
    html = page(queued.filler)
    assert "-queue" not in html and 'id="queue-link"' not in html
    queries = [q["sql"] for q in captured(queued.filler)]
    assert not any(is_queue_query(q) for q in queries)


def test_an_empty_queue_shows_zero_and_a_locked_period_none(queued):
    ProjectRecord.objects.filter(status=WorkflowStatus.SUBMITTED).update(
        status=WorkflowStatus.APPROVED)
    html = page(queued.reviewer)
    assert 'id="unit-queue"' in html and '<span class="badge text-bg-secondary">0</span>' in html
    assert 'id="queue-link"' not in html  # nothing waits: no count in the header
    lock(queued.period, queued.finance)
    assert 'id="unit-queue"' not in page(queued.reviewer)


def is_queue_query(sql: str) -> bool:
    return any(f'AS "{kind}_units"' in sql for kind in ("unit", "department", "finance"))


def captured(user, **params):
    client = as_user(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME, params).status_code == 200
    return queries.captured_queries


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_the_queues_cost_one_query_for_the_header_and_the_page_together(queued, who):
    user = getattr(queued, who)
    queries = [q["sql"] for q in captured(user)]
    assert sum(is_queue_query(q) for q in queries) == 1
    small = len(queries)
    for n in range(40):
        ProjectRecordFactory(project=ProjectFactory(unit=queued.unit if n % 2 else UnitFactory()),
                             period=queued.period, status=WorkflowStatus.SUBMITTED)
    assert len(captured(user)) == small
