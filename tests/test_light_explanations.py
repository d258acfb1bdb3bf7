"""Lights explained where they appear: the legend (from the bands of lights.py), a project's
light naming the indicators or the execution that made it that colour, and the grade bands of
the scoring policy beside the grades."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from budget.models import Project
from performance.domain import Light
from performance.monitoring.explain import explain_project_light, legend
from performance.templatetags.explain_tags import grade_band, grade_bands
from tests.dashboard_world import build_world

UNIT = reverse("dashboard:unit", args=["342601"]) + "?period=2025-07"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def world(db):
    return build_world()


def get(client, user, url):
    client.force_login(user)
    return client.get(url).content.decode()


# ---------------------------------------------------------------- the words (pure)


def test_the_explanation_names_the_red_indicator_not_the_yellow_or_green_ones():
    text = explain_project_light(
        Light.RED, [("培训人次", Light.RED), ("满意度", Light.YELLOW), ("覆盖率", Light.GREEN)],
        Light.GREEN, Decimal("0.9"), 12)
    assert text == "红灯：红灯指标 培训人次。"


def test_the_explanation_names_a_low_execution_against_time_progress():
    text = explain_project_light(Light.RED, [("培训人次", Light.GREEN)], Light.RED,
                                 Decimal("0.1"), 7)
    assert text == "红灯：预算执行率 10.00%，不足时间进度 58.33% 的 60%。"
    yellow = explain_project_light(Light.YELLOW, [], Light.YELLOW, Decimal("0.62"), 12)
    assert yellow == "黄灯：预算执行率 62.00%，不足时间进度 100.00% 的 80%。"


def test_many_lit_indicators_are_counted_beyond_the_first_three():
    text = explain_project_light("yellow", [(f"指标{i}", "yellow") for i in range(5)], None,
                                 None, 12)
    assert text == "黄灯：黄灯指标 指标0、指标1、指标2等 5 项。"


def test_a_green_project_and_a_project_without_a_light_say_so():
    assert explain_project_light("green", [("a", "green")], "green", Decimal("0.9"), 12) == (
        "绿灯：没有红灯、黄灯指标；预算执行率 90.00%，达到时间进度 100.00% 的 80%。")
    assert explain_project_light(None, [], None, None, 7).startswith("未亮灯")


def test_the_legend_follows_the_bands_of_the_lights_module(monkeypatch):
    meanings = dict(legend())
    assert list(meanings) == [Light.BLUE, Light.GREEN, Light.YELLOW, Light.RED]
    assert "≥120%" in meanings[Light.BLUE]
    assert "80%–<120%" in meanings[Light.GREEN] and "优" in meanings[Light.GREEN]
    assert "60%–<80%" in meanings[Light.YELLOW] and "良、中" in meanings[Light.YELLOW]
    assert "<60%" in meanings[Light.RED] and "差" in meanings[Light.RED]
    from performance.monitoring import explain
    monkeypatch.setattr(explain, "INDICATOR_BANDS", ((Decimal("1.5"), Light.BLUE),
                                                      (Decimal("0.9"), Light.GREEN),
                                                      (Decimal("0.7"), Light.YELLOW)))
    assert "≥150%" in dict(explain.legend())[Light.BLUE]


# ---------------------------------------------------------------- on the pages


def test_the_unit_dashboards_light_names_the_red_indicator_in_a_tooltip(client, world):
    page = get(client, world.filler, UNIT)
    row = page[page.index('id="project-' + str(Project.objects.get(name="落后项目").pk)):]
    cell = row[:row.index("</td>")]
    assert 'title="红灯：红灯指标 落后项目培训人次；预算执行率 10.00%，不足时间进度 58.33% 的 60%。"' in cell
    assert 'class="visually-hidden">（红灯：红灯指标 落后项目培训人次' in cell


def test_the_legend_is_on_the_dashboard_the_project_list_and_the_project_page(client, world):
    project = Project.objects.get(name="落后项目")
    pages = {
        "dashboard": get(client, world.filler, UNIT),
        "list": get(client, world.filler, reverse("entry:home") + "?period=2025-07"),
        "project": get(client, world.filler,
                       reverse("entry:project", args=[project.pk]) + "?period=2025-07"),
        "overview": get(client, world.finance, reverse("dashboard:overview") + "?period=2025-07"),
    }
    for name, page in pages.items():
        assert "监控灯说明" in page, name
        assert "蓝灯</span>：指标完成值为（按时间进度折算的）目标值的 ≥120%" in page, name


def test_the_project_pages_light_says_why(client, world):
    project = Project.objects.get(name="落后项目")
    page = get(client, world.filler,
               reverse("entry:project", args=[project.pk]) + "?period=2025-07")
    light = page[page.index('id="project-light"'):]
    light = light[:light.index("</span></span>")]
    assert 'title="红灯：红灯指标 落后项目培训人次；预算执行率 10.00%' in light
    assert "visually-hidden" in light


# ---------------------------------------------------------------- grade bands


def test_grade_bands_come_from_the_scoring_policy(settings):
    assert grade_bands() == [("优", "≥90"), ("良", "80–89.99"), ("中", "60–79.99"), ("差", "<60")]
    assert grade_band("良") == "良（80–89.99）"
    settings.SCORING_POLICY = {"grade_bands": {"优": 95, "良": 85, "中": 70}}
    assert grade_band("良") == "良（85–94.99）"


def test_a_changed_policy_shows_in_the_dashboards_grade_legend(client, world, settings):
    assert "优 ≥90 · 良 80–89.99 · 中 60–79.99 · 差 &lt;60" in get(client, world.filler, UNIT)
    settings.SCORING_POLICY = {"grade_bands": {"优": 95, "良": 85, "中": 70}}
    assert "优 ≥95 · 良 85–94.99 · 中 70–84.99 · 差 &lt;70" in get(client, world.filler, UNIT)


def test_the_project_page_shows_the_grade_bands(client, world):
    project = Project.objects.get(name="落后项目")
    page = get(client, world.filler,
               reverse("entry:project", args=[project.pk]) + "?period=2025-07")
    assert 'id="grade-bands"' in page and "优 ≥90 · 良 80–89.99" in page
