"""延续项目: next year's 表13 import links each project to last year's of the same name in its
unit, reports the projects that do not match, and the project page, the import's notes and the
next year's 结果应用 list show last year's grade and suggestion."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from budget.models import Project
from performance.excel.targets_import import import_targets
from performance.models import BudgetSuggestion, PeriodKind
from performance.seed import add_local_levels
from performance.services.carry_over import link_previous_year, previous_year
from performance.services.results import compute_suggestions, override
from tests.entry_setup import make_team
from tests.excel_files import tsv_rows, xlsx
from tests.factories import PeriodFactory, ProjectFactory, ProjectRecordFactory, UnitFactory

pytestmark = pytest.mark.django_db
CONTINUED = "社会保险信息网络建设维护费"
RENAMED = "乡村振兴经费"


@pytest.fixture
def last_year(db):
    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})
    unit = UnitFactory(code="342601", name="广元市社会保险事务中心")
    period = PeriodFactory()  # 2025-final
    continued = ProjectFactory(unit=unit, year=2025, name=CONTINUED, budget_amount=D("7.00"))
    ended = ProjectFactory(unit=unit, year=2025, name="已结束的项目")
    other_unit = ProjectFactory(year=2025, name=RENAMED)  # same name, another unit
    ProjectRecordFactory(project=continued, period=period, score_grade="良",
                         score_total=D("85"))
    compute_suggestions(period)
    return {"unit": unit, "period": period, "continued": continued, "ended": ended,
            "other_unit": other_unit}


def table13() -> bytes:
    return xlsx(tsv_rows())


def test_import_links_by_name_within_the_unit(last_year):
    outcome = import_targets(table13(), 2026)
    new = Project.objects.get(year=2026, name=CONTINUED)
    assert new.carried_from == last_year["continued"]
    assert Project.objects.get(year=2026, name=RENAMED).carried_from is None  # other unit's
    link = outcome.link
    assert link.matched == [f"342601 {CONTINUED}（上年度：良 · 据实保障）"]
    assert "342601 已结束的项目" in link.unmatched_old
    assert f"342601 {RENAMED}" in link.unmatched_new and len(link.unmatched_new) == 6
    assert "延续上年度项目 1 个" in outcome.summary()
    assert f"延续项目：342601 {CONTINUED}（上年度：良 · 据实保障）" in outcome.link_notes()
    assert "上年度项目未延续：342601 已结束的项目" in outcome.link_notes()


def test_preview_reports_without_writing(last_year):
    outcome = import_targets(table13(), 2026, dry_run=True)
    assert not Project.objects.filter(year=2026).exists()
    assert outcome.link.dry_run and len(outcome.link.matched) == 1


def test_names_match_ignoring_spaces_and_width(last_year):
    project = ProjectFactory(unit=last_year["unit"], year=2026, name=f" {CONTINUED}（ ）")
    Project.objects.filter(pk=project.pk).update(name=CONTINUED.replace("信息", "信息 "))
    report = link_previous_year(2026, [last_year["unit"].id])
    project.refresh_from_db()
    assert project.carried_from == last_year["continued"] and len(report.matched) == 1


def test_relinking_clears_a_link_that_no_longer_matches(last_year):
    project = ProjectFactory(unit=last_year["unit"], year=2026, name="新名字",
                             carried_from=last_year["continued"])
    link_previous_year(2026)
    project.refresh_from_db()
    assert project.carried_from is None


def test_job_notes_list_the_unmatched(last_year, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from performance.excel.jobs import create_job, run_job
    from performance.models import ImportKind

    job = create_job(SimpleUploadedFile("t13.xlsx", table13()), kind=ImportKind.TARGETS,
                     year=2026, dry_run=False)
    run_job(job)
    job.refresh_from_db()
    assert f"延续项目：342601 {CONTINUED}（上年度：良 · 据实保障）" in job.notes
    assert "上年度项目未延续：342601 已结束的项目" in job.notes


def test_project_page_shows_last_years_grade_and_suggestion(last_year, client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    team = make_team(indicators=1)
    import_targets(table13(), 2026)
    new = Project.objects.get(year=2026, name=CONTINUED)
    period = PeriodFactory(code="2026-final", year=2026, name="2026 年度绩效自评")
    client.force_login(team.finance)
    url = reverse("entry:project", args=[new.pk]) + f"?period={period.code}"
    html = client.get(url).content.decode()
    assert "上年度：" in html and "良 · 据实保障" in html
    assert reverse("entry:project", args=[last_year["continued"].pk]) in html
    suggestion = BudgetSuggestion.objects.get(project=last_year["continued"])
    override(suggestion, team.finance, "cut", "10", None, "执行偏慢", version=suggestion.version)
    html = client.get(url).content.decode()  # the cached content's key moved
    assert "良 · 压缩核减" in html


def test_project_without_last_year_shows_nothing(last_year, client):
    team = make_team(indicators=1)
    assert previous_year(team.project) is None
    client.force_login(team.finance)
    html = client.get(reverse("entry:project", args=[team.project.pk])).content.decode()
    assert 'id="previous-year"' not in html


def test_next_years_results_list_shows_last_year(last_year, client):
    team = make_team(indicators=1)
    import_targets(table13(), 2026)
    new = Project.objects.get(year=2026, name=CONTINUED)
    period = PeriodFactory(code="2026-final", year=2026, name="2026 年度绩效自评",
                           kind=PeriodKind.SELF_EVALUATION)
    ProjectRecordFactory(project=new, period=period, score_grade="优", score_total=D("95"))
    compute_suggestions(period)
    client.force_login(team.finance)
    html = client.get(reverse("results:list"), {"period": "2026-final"}).content.decode()
    assert "良 · 据实保障" in html
