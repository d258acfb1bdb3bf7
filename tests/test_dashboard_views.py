"""The finance overview and a unit's dashboard: who sees what, what they show, bounded queries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Role
from performance.models import ProjectRecord
from performance.services.overview import summary, unit_rows
from performance.services.snapshot import refresh_snapshots
from tests.dashboard_world import add_units, build_world, member, monitored_project
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard:overview") + "?period=2025-07"
UNIT = reverse("dashboard:unit", args=["342601"]) + "?period=2025-07"
OTHER = reverse("dashboard:unit", args=["342602"]) + "?period=2025-07"
REFRESH = reverse("dashboard:refresh") + "?period=2025-07"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # cached overview data is keyed by ids a rolled-back test may reuse


@pytest.fixture
def world():
    return build_world()


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


# ---------------------------------------------------------------- finance overview


def test_finance_staff_see_every_unit_with_the_red_projects_first(client, world):
    page = get(client, world.finance, OVERVIEW).content.decode()
    assert "广元市社会保险事务中心" in page and "广元市就业服务中心" in page
    watch = page[page.index('id="watch"'):]
    assert watch.index("落后项目") < watch.index("其他单位项目")  # red before yellow
    assert "正常项目" not in watch[:watch.index("各单位预算执行率")]  # green is not on the list
    assert 'data-chart="execution"' in page and 'data-chart="heatmap"' in page
    assert "vendor/echarts/echarts.min.js" in page and "cdn" not in page.lower()


def test_the_overview_shows_submission_progress_with_overdue(client, world):
    ProjectRecord.objects.filter(project__name="正常项目").update(status="approved")
    ProjectRecord.objects.filter(project__name="落后项目").update(status="submitted")
    page = get(client, world.finance, OVERVIEW).content.decode()
    progress = page[page.index("填报进度"):page.index('id="watch"')]
    # 3 projects: 1 submitted, 1 approved, 1 not submitted after 2025-08-15 → overdue
    assert '<td class="num">3</td>\n      <td class="num">1</td>\n      <td class="num">1</td>' in progress
    assert '<strong class="light-red">1</strong>' in progress


def test_the_overview_drills_down_to_the_unit_dashboard(client, world):
    page = get(client, world.finance, OVERVIEW).content.decode()
    assert f'href="{reverse("dashboard:unit", args=["342601"])}?period=2025-07"' in page
    red = ProjectRecord.objects.get(project__name="落后项目").project_id
    assert f"#project-{red}" in page or f"/projects/{red}/" in page


@pytest.mark.urls("tests.dashboard_urls")
def test_projects_link_to_their_own_page_when_it_exists(client, world):
    red = ProjectRecord.objects.get(project__name="落后项目").project_id
    assert f'href="/projects/{red}/?period=2025-07"' in get(client, world.finance, OVERVIEW).content.decode()


@pytest.mark.parametrize("role", ["filler", "reviewer"])
def test_unit_members_are_sent_from_the_overview_to_their_unit(client, world, role):
    response = get(client, world.user(role), OVERVIEW)
    assert response.status_code == 302 and response["Location"] == UNIT


def test_a_member_of_another_unit_is_sent_to_their_own_unit(client, world):
    assert get(client, world.outsider, OVERVIEW)["Location"] == OTHER


def test_a_user_without_a_unit_gets_404_from_the_overview(client, world):
    assert get(client, User.objects.create(username="nobody"), OVERVIEW).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(OVERVIEW)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_period_is_404(client, world):
    assert get(client, world.finance, reverse("dashboard:overview") + "?period=1999").status_code == 404


def test_the_overview_without_periods_says_so(client):
    finance = member("finance", None, Role.FINANCE_REVIEWER)
    assert "还没有填报期间" in get(client, finance, reverse("dashboard:overview")).content.decode()


def overview_queries(client, user, period, n_units):
    add_units(period, n_units)
    refresh_snapshots(period)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(OVERVIEW).status_code == 200
    return len(ctx)


def test_the_overview_runs_a_constant_number_of_queries_as_units_grow(client, world):
    few = overview_queries(client, world.finance, world.period, 1)
    assert overview_queries(client, world.finance, world.period, 6) == few


def test_a_second_view_of_the_overview_is_served_from_the_cache(client, world):
    client.force_login(world.finance)
    first = client.get(OVERVIEW).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        second = client.get(OVERVIEW).content.decode()
    assert not any("performance_indicator" in q["sql"] for q in ctx.captured_queries)
    assert len(ctx) <= 8  # session, user, notices, access, periods, snapshot version
    assert second.count("落后项目") == first.count("落后项目") > 0


def test_the_cached_overview_shows_a_change_after_its_refresh(client, world):
    client.force_login(world.finance)
    assert "1.00" in client.get(OVERVIEW).content.decode()  # 落后项目 spent 1.00
    ProjectRecord.objects.filter(project__name="落后项目").update(spent=9)
    refresh_snapshots(world.period)
    page = client.get(OVERVIEW).content.decode()
    watch = page[page.index('id="watch"'):page.index("各单位预算执行率")]
    assert "9.00" in watch and ">1.00<" not in watch


# ---------------------------------------------------------------- refresh


def test_finance_staff_can_recompute_a_period(client, world):
    ProjectRecord.objects.update(light="", computed_at=None)
    client.force_login(world.finance)
    response = client.post(REFRESH)
    assert response.status_code == 302
    assert not ProjectRecord.objects.filter(computed_at=None).exists()


@pytest.mark.parametrize("role", ["filler", "reviewer", "outsider"])
def test_only_finance_staff_can_recompute(client, world, role):
    client.force_login(world.user(role))
    assert client.post(REFRESH).status_code == 404


# ---------------------------------------------------------------- a unit's dashboard


@pytest.mark.parametrize("role", ["filler", "reviewer", "finance"])
def test_the_unit_dashboard_shows_projects_with_lights_scores_and_projection(client, world, role):
    response = get(client, world.user(role), UNIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("落后项目") < page.index("正常项目")  # red first
    assert "其他单位项目" not in page
    assert "红灯" in page and "预计全年得分" in page


def test_an_outsider_gets_404_for_the_unit_dashboard(client, world):
    assert get(client, world.outsider, UNIT).status_code == 404


def test_the_unit_dashboard_lists_the_indicators_behind_with_reasons_and_measures(client, world):
    page = get(client, world.filler, UNIT).content.decode()
    behind = page[page.index("进度落后的指标"):page.index("填报进度")]
    assert "落后项目培训人次" in behind and "经费、人员" in behind and "加快培训进度" in behind
    assert "正常项目培训人次" not in behind  # 50 of 58.33 is green


def test_the_unit_dashboard_is_live_without_a_refresh(client, world):
    ProjectRecord.objects.filter(project__name="正常项目").update(spent=0)  # no refresh
    page = get(client, world.filler, UNIT).content.decode()
    row = page[page.index("正常项目"):]
    row = row[:row.index("</tr>")]
    assert "红灯" in row  # execution 0 % → red, computed now


def test_the_unit_dashboard_links_its_reports(client, world):
    page = get(client, world.reviewer, UNIT).content.decode()
    assert reverse("dashboard:report_xlsx", args=["342601"]) in page
    assert reverse("dashboard:report_print", args=["342601"]) in page


def unit_queries(client, world, n_projects):
    for _ in range(n_projects):
        monitored_project(world.period, world.unit)
    client.force_login(world.filler)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(UNIT).status_code == 200
    return len(ctx)


def test_the_unit_dashboard_runs_a_constant_number_of_queries_as_projects_grow(client, world):
    few = unit_queries(client, world, 1)
    assert unit_queries(client, world, 5) == few


def test_the_unit_dashboard_queries_do_not_grow_with_other_units(client, world):
    client.force_login(world.filler)
    with CaptureQueriesContext(connection) as before:
        client.get(UNIT)
    add_units(world.period, 4)
    with CaptureQueriesContext(connection) as after:
        client.get(UNIT)
    assert len(after) == len(before)


def test_the_seed_unit_with_nothing_entered_yet_shows_its_projects_without_lights(client, seeded):
    reviewer = member("seed-reviewer", seeded.unit, Role.UNIT_REVIEWER)
    page = get(client, reviewer, UNIT).content.decode()
    assert "社会保险信息网络建设维护费" in page and "乡村振兴经费" in page
    assert "没有红灯或黄灯指标" in page
    print_page = get(client, reviewer, reverse("dashboard:report_print", args=["342601"])
                     + "?period=2025-07").content.decode()
    assert "城镇企业职工基本养老保险在职参保人数" in print_page


# ---------------------------------------------------------------- honest missing values


def not_entered_project(world, name="未填报项目"):
    """A project of 342601 with nothing entered (its computed record: 0 分, 差)."""
    project = ProjectFactory(unit=world.unit, name=name, budget_amount=Decimal(10))
    IndicatorFactory(project=project, name=f"{name}的指标")
    refresh_snapshots(world.period)
    assert ProjectRecord.objects.get(project=project).score_grade == "差"
    return project


def partly_filled_red_project(world):
    """A red project of 342601: 1 of its 2 indicators filled in (far behind), the other not."""
    project = ProjectFactory(unit=world.unit, name="缺指标项目", budget_amount=Decimal(10))
    behind = IndicatorFactory(project=project, name="缺指标项目培训人次", weight=Decimal(45))
    IndicatorFactory(project=project, name="缺指标项目满意度", weight=Decimal(45))
    IndicatorRecordFactory(indicator=behind, period=world.period, actual_value=Decimal(5))
    ProjectRecordFactory(project=project, period=world.period, spent=Decimal(1))
    refresh_snapshots(world.period)
    return project


def section(page, start, end):
    return page[page.index(start):page.index(end, page.index(start))]


def table_row(page, text):
    start = page.index(text)
    return page[page.rindex("<tr", 0, start):page.index("</tr>", start)]


def test_the_unit_dashboard_shows_a_project_with_nothing_entered_as_not_entered(client, world):
    not_entered_project(world)
    page = get(client, world.filler, UNIT).content.decode()
    row = table_row(page, ">未填报项目</a>")
    assert '<td colspan="4" class="not-entered muted">未填报</td>' in row
    assert "<td>差</td>" not in row and ">0.00<" not in row
    assert '<td class="num">1</td>' in row  # its one indicator is not filled in


def test_the_unit_dashboards_grade_table_counts_not_entered_apart_from_poor(client, world):
    not_entered_project(world)
    page = get(client, world.filler, UNIT).content.decode()
    grades = section(page, 'class="table table-sm table-bordered grades"', "</table>")
    header = [cell.split("</th>")[0] for cell in grades.split('<th class="num">')[1:]]
    current = section(grades, "当前得分", "</tr>").split('<td class="num">')[1:]
    counts = dict(zip(header, (c.split("</td>")[0] for c in current), strict=True))
    assert counts["未填报"] == "1" and counts["差"] == "1"  # 差: 落后项目 only


def test_the_overview_counts_not_entered_projects_per_unit_outside_the_averages(client, world):
    before = {r.code: r.score for r in unit_rows(world.period)[0]}
    not_entered_project(world)
    rows = {r.code: r for r in unit_rows(world.period)[0]}
    assert rows["342601"].not_entered == 1 and rows["342602"].not_entered == 0
    assert rows["342601"].score == before["342601"]  # its 0 is left out of the average
    page = get(client, world.finance, OVERVIEW).content.decode()
    assert "<th class=\"num\">未填报</th>" in page
    units = section(page, 'class="table table-sm table-bordered units"', "</table>")
    row = table_row(units, "342601 广元市社会保险事务中心")
    assert '<td class="num">1</td>\n      <td class="num">' + str(rows["342601"].score) in row


def test_the_overviews_grade_distribution_has_a_not_entered_column(client, world):
    not_entered_project(world)
    page = get(client, world.finance, OVERVIEW).content.decode()
    grades = section(page, 'class="table table-sm table-bordered grades"', "</table>")
    assert '<th class="num">未填报</th>' in grades
    assert summary(world.period).grades["未填报"] == 1
    assert summary(world.period).grades["差"] == 1  # 落后项目 only


def test_the_watch_list_says_how_many_indicators_of_a_project_are_missing(client, world):
    partly_filled_red_project(world)
    page = get(client, world.finance, OVERVIEW).content.decode()
    row = table_row(section(page, 'id="watch"', "各单位预算执行率"), ">缺指标项目</a>")
    assert "1 项未填" in row


def test_the_unit_dashboard_with_not_entered_projects_runs_the_same_queries(client, world):
    client.force_login(world.filler)
    with CaptureQueriesContext(connection) as before:
        client.get(UNIT)
    for n in range(3):
        not_entered_project(world, f"未填报项目{n}")
    with CaptureQueriesContext(connection) as after:
        client.get(UNIT)
    assert len(after) == len(before)


def test_the_overview_locks_the_period_with_a_reason_and_comes_back(client, django_user_model):
    finance = django_user_model.objects.create_user("finance-locker")
    MembershipFactory(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    period = PeriodFactory()
    client.force_login(finance)
    overview = f"/dashboard/?period={period.code}"
    page = client.get(overview).content.decode()
    assert "锁定期间" in page and f'action="/periods/{period.code}/lock/"' in page
    response = client.post(f"/periods/{period.code}/lock/", {"reason": "自评截止", "next": overview})
    assert response.status_code == 302 and response["Location"] == overview
    period.refresh_from_db()
    assert period.is_locked and period.lock_reason == "自评截止"
    assert "解锁期间" in client.get(overview).content.decode()


def test_the_year_end_unit_dashboard_has_no_monitoring_only_columns(client, world):
    final = PeriodFactory()  # 2025-final
    project = ProjectRecord.objects.filter(period=world.period, project__name="落后项目").get().project
    for indicator in project.indicators.all():
        IndicatorRecordFactory(indicator=indicator, period=final, actual_value=Decimal(10),
                               deviation_reasons=["经费"], explanation="采购推迟")
    page = get(client, world.filler, UNIT.replace("2025-07", "2025-final")).content.decode()
    assert "落后项目培训人次" in page and "采购推迟" in page  # the indicators behind, still
    for header in ("全年预计完成值", "完成可能性", "纠偏措施", "预计全年得分", "预计等级"):
        assert header not in page, header
    monitoring = get(client, world.filler, UNIT).content.decode()
    for header in ("全年预计完成值", "完成可能性", "纠偏措施", "预计全年得分"):
        assert header in monitoring, header
