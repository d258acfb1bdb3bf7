"""The downloads of the Word reports (performance.reports.views): who may download which
report (member, reviewer, finance; outsiders 404), the Chinese file name, bounded queries, and
the links on the project page, the unit dashboard and the 复核 batch page."""

import datetime
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from tests.entry_setup import make_team
from tests.factories import (
    CheckedProjectFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def self_url(team):
    return f"{reverse('reports:self_evaluation', args=[team.project.pk])}?period={team.period.code}"


def monitoring_url(team):
    return f"{reverse('reports:monitoring', args=[team.unit.code])}?period={team.period.code}"


def assert_docx(response, name: str):
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=utf-8''{quote(name)}" in disposition
    Document(BytesIO(response.content))  # opens


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_the_self_evaluation_report_downloads_for_whoever_sees_the_project(client, who):
    team = make_team()
    response = get(client, team.people()[who], self_url(team))
    assert_docx(response, f"2025_自评报告_{team.unit.code}_{team.project.name}.docx")


def test_an_outsider_gets_404_for_the_self_evaluation_report(client):
    team = make_team()
    assert get(client, team.outsider, self_url(team)).status_code == 404


def test_an_unknown_period_or_one_of_another_year_is_404(client):
    team = make_team()
    url = reverse("reports:self_evaluation", args=[team.project.pk])
    assert get(client, team.filler, f"{url}?period=nope").status_code == 404
    other = ProjectFactory(unit=team.unit, year=2024)
    url = reverse("reports:self_evaluation", args=[other.pk])
    assert get(client, team.filler, f"{url}?period={team.period.code}").status_code == 404


def test_anonymous_people_are_sent_to_log_in(client):
    team = make_team()
    response = client.get(self_url(team))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_the_monitoring_report_downloads_for_whoever_sees_the_unit(client, who):
    team = make_team(monitoring=True)
    response = get(client, team.people()[who], monitoring_url(team))
    assert_docx(response, f"2025_监控报告_{team.unit.code}_2025-07.docx")


def test_an_outsider_gets_404_for_the_monitoring_report(client):
    team = make_team(monitoring=True)
    assert get(client, team.outsider, monitoring_url(team)).status_code == 404


def test_the_check_report_is_for_finance_only(client):
    team = make_team()
    batch = CheckedProjectFactory(batch__period=team.period, project=team.project).batch
    url = reverse("reports:check", args=[batch.pk])
    for who in ("filler", "reviewer", "outsider"):
        assert get(client, team.people()[who], url).status_code == 404, who
    assert_docx(get(client, team.finance, url), f"2025_复核报告_{batch.name}.docx")
    assert get(client, team.finance, reverse("reports:check", args=[batch.pk + 99])
               ).status_code == 404


def _queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _fill(project, period, indicators):
    ProjectRecordFactory(project=project, period=period, spent=Decimal("50"))
    for indicator in indicators:
        IndicatorRecordFactory(indicator=indicator, period=period, actual_value=Decimal("90"),
                               explanation="说明", corrective_measures="措施")


def test_the_self_evaluation_reports_queries_do_not_grow_with_its_indicators(client):
    team = make_team(indicators=2)
    _fill(team.project, team.period, team.indicators)
    few = _queries(client, team.filler, self_url(team))
    for _ in range(8):
        IndicatorRecordFactory(indicator=IndicatorFactory(project=team.project, weight=Decimal(1)),
                               period=team.period, actual_value=Decimal(1))
    assert _queries(client, team.filler, self_url(team)) == few
    assert few <= 20


def test_the_monitoring_reports_queries_do_not_grow_with_its_projects(client):
    team = make_team(monitoring=True)
    _fill(team.project, team.period, team.indicators)
    one = _queries(client, team.filler, monitoring_url(team))
    for _ in range(4):
        project = ProjectFactory(unit=team.unit)
        _fill(project, team.period, [IndicatorFactory(project=project) for _ in range(3)])
    assert _queries(client, team.filler, monitoring_url(team)) == one
    assert one <= 25


def test_the_check_reports_queries_do_not_grow_with_its_projects(client):
    team = make_team()
    batch = CheckedProjectFactory(batch__period=team.period, project=team.project).batch
    url = reverse("reports:check", args=[batch.pk])
    one = _queries(client, team.finance, url)
    for _ in range(4):
        CheckedProjectFactory(batch=batch, project=ProjectFactory(unit=team.unit),
                              status="done", conclusion="好", check_total=Decimal(80),
                              self_total=Decimal(85),
                              concluded_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC))
    assert _queries(client, team.finance, url) == one


def test_the_project_page_links_its_self_evaluation_report(client):
    team = make_team()
    response = get(client, team.filler, f"/projects/{team.project.pk}/?period={team.period.code}")
    assert response.status_code == 200
    assert f'href="{self_url(team)}"'.encode() in response.content


def test_the_unit_dashboard_links_the_monitoring_report_and_the_zip(client):
    team = make_team(monitoring=True)
    url = f"{reverse('dashboard:unit', args=[team.unit.code])}?period={team.period.code}"
    content = get(client, team.reviewer, url).content.decode()
    assert f'href="{monitoring_url(team)}"' in content
    assert reverse("reports:zip_start", args=[team.unit.code]) in content
    assert "打包下载本单位报告" in content


def test_the_batch_page_links_its_check_report(client):
    team = make_team()
    batch = CheckedProjectFactory(batch__period=team.period, project=team.project).batch
    content = get(client, team.finance, reverse("checks:batch", args=[batch.pk])).content.decode()
    assert reverse("reports:check", args=[batch.pk]) in content
