"""The admin of 抽查复核 (performance.admin_checks): batches, checked projects (with their scores,
explanations and history) and explanations list and show for a superuser, read-only (scores are
written only through the check service), data text escaped, bounded changelist queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import CheckStatus, ExplanationRequest
from tests.entry_setup import make_team
from tests.factories import (
    CheckBatchFactory,
    CheckedProjectFactory,
    CheckScoreFactory,
    ProjectFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>"
ASKED = datetime.datetime(2026, 4, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def checked():
    team = make_team()
    batch = CheckBatchFactory(period=team.period, name="第一批", drawn_by=team.finance)
    checked = CheckedProjectFactory(batch=batch, project=team.project, reviewer=team.finance,
                                    status=CheckStatus.IN_PROGRESS, self_total=Decimal("98.00"),
                                    self_grade="优", check_total=Decimal("81.00"),
                                    check_grade="良")
    CheckScoreFactory(checked=checked, indicator=team.indicators[0], score=Decimal(20),
                      deduction_reason="完成数量不实", opinion=EVIL)
    ExplanationRequest.objects.create(checked=checked, indicator=team.indicators[0],
                                      question=f"请说明{EVIL}", asked_by=team.finance,
                                      asked_at=ASKED)
    return checked


def url(name, *args):
    return reverse(f"admin:performance_{name}", args=args)


def more_checks(batch, count):
    for _ in range(count):
        checked = CheckedProjectFactory(batch=batch, project=ProjectFactory(unit=UnitFactory()),
                                        reviewer=batch.drawn_by)
        ExplanationRequest.objects.create(checked=checked, question="说明", asked_at=ASKED,
                                          asked_by=batch.drawn_by)


def queries(client, address) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("name", ["checkbatch", "checkedproject", "explanationrequest"])
def test_changelists_render_for_a_superuser(admin_client, checked, name):
    response = admin_client.get(url(f"{name}_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert EVIL not in html
    if name != "checkbatch":
        assert checked.project.name in html


def test_batch_list_counts_its_projects(admin_client, checked):
    more_checks(checked.batch, 2)
    response = admin_client.get(url("checkbatch_changelist"))
    batch = response.context["cl"].result_list[0]
    assert batch.project_total == 3
    assert "20260301" in response.content.decode()  # the seed


def test_batch_page_lists_its_projects_read_only(admin_client, checked):
    response = admin_client.get(url("checkbatch_change", checked.batch.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert checked.project.name in html and "81.00" in html
    assert 'name="_save"' not in html  # view only


def test_checked_project_page_shows_scores_explanations_and_history(admin_client, checked):
    response = admin_client.get(url("checkedproject_change", checked.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "完成数量不实" in html and "请说明" in html
    assert EVIL not in html and "&lt;script&gt;" in html
    assert "变更历史" in html and "新建" in html
    assert 'name="_save"' not in html and 'name="scores-0-score"' not in html


def test_explanation_page_renders(admin_client, checked):
    explanation = checked.explanations.get()
    response = admin_client.get(url("explanationrequest_change", explanation.pk))
    assert response.status_code == 200
    assert EVIL not in response.content.decode()


@pytest.mark.parametrize("name", ["checkbatch", "checkedproject", "explanationrequest"])
def test_nothing_is_added_changed_or_deleted_here(admin_client, checked, name):
    assert admin_client.get(url(f"{name}_add")).status_code == 403
    obj = {"checkbatch": checked.batch, "checkedproject": checked,
           "explanationrequest": checked.explanations.get()}[name]
    assert admin_client.get(url(f"{name}_delete", obj.pk)).status_code == 403
    before = checked.check_total
    admin_client.post(url("checkedproject_change", checked.pk), {"check_total": "99"})
    checked.refresh_from_db()
    assert checked.check_total == before


def test_filters_by_status_period_and_reason(admin_client, checked):
    address = url("checkedproject_changelist")
    found = admin_client.get(address, {"status__exact": "in_progress",
                                       "period__id__exact": checked.period_id,
                                       "reason__exact": "hand"})
    assert found.context["cl"].result_count == 1
    assert admin_client.get(address, {"status__exact": "done"}).context["cl"].result_count == 0


@pytest.mark.parametrize("name", ["checkbatch", "checkedproject", "explanationrequest"])
def test_changelist_queries_do_not_grow_with_rows(admin_client, checked, name):
    address = url(f"{name}_changelist")
    admin_client.get(address)
    few = queries(admin_client, address)
    more_checks(checked.batch, 5)
    CheckBatchFactory(period=checked.period, drawn_by=checked.reviewer)
    assert queries(admin_client, address) == few


def test_checked_project_page_queries_are_bounded(admin_client, checked,
                                                  django_assert_max_num_queries):
    for indicator in checked.project.indicators.all()[1:]:
        CheckScoreFactory(checked=checked, indicator=indicator, score=Decimal(10))
    address = url("checkedproject_change", checked.pk)
    admin_client.get(address)
    with django_assert_max_num_queries(30):
        admin_client.get(address)
