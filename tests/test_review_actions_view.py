"""The reviewer's buttons on the project page: approve and return, POST only, by role."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from performance.models import ProjectRecord, WorkflowStatus
from performance.services.entry import Entry, save_entries
from performance.services.workflow import submit
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = make_team()
    save_entries(team.project, team.period, team.filler,
                 {i.id: Entry(None, {"actual_value": Decimal(100), "explanation": ""})
                  for i in team.indicators},
                 Entry(None, {"spent": Decimal("100.00"), "spent_reason": ""}))
    submit(team.project, team.period, team.filler)
    return team


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(team, user, action, **data):
    """The response, followed: the message is in the page it leads to."""
    url = reverse(f"entry:{action}", args=[team.project.pk])
    return as_user(user).post(url, {"period": team.period.code, **data}, follow=True)


def status(team):
    return ProjectRecord.objects.get(project=team.project, period=team.period).status


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_a_reviewer_of_the_unit_or_finance_approves(team, who):
    response = post(team, getattr(team, who), "approve")
    assert response.redirect_chain[-1][1] == 302 and "已审核通过" in response.content.decode()
    assert status(team) == WorkflowStatus.APPROVED


def test_the_page_offers_the_review_buttons_to_the_reviewer_only(team):
    url = f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"
    assert "审核通过" in as_user(team.reviewer).get(url).content.decode()
    assert "审核通过" not in as_user(team.filler).get(url).content.decode()


def test_a_filler_cannot_approve_or_return(team):
    assert post(team, team.filler, "approve").status_code == 403
    assert post(team, team.filler, "return", reason="自己退回").status_code == 403
    assert status(team) == WorkflowStatus.SUBMITTED


def test_an_outsider_gets_404(team):
    assert post(team, team.outsider, "approve").status_code == 404
    assert status(team) == WorkflowStatus.SUBMITTED


def test_returning_records_the_reason_and_shows_it_to_the_filler(team):
    post(team, team.reviewer, "return", reason="第一项完成值请附台账")
    assert status(team) == WorkflowStatus.RETURNED
    url = f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"
    page = as_user(team.filler).get(url).content.decode()
    assert "第一项完成值请附台账" in page and 'value="save"' in page  # editable again


def test_returning_without_a_reason_is_refused_with_a_message(team):
    response = post(team, team.reviewer, "return", reason="")
    assert "退回时须填写退回原因" in response.content.decode()
    assert status(team) == WorkflowStatus.SUBMITTED


def test_a_decision_on_a_stale_page_is_refused(team):
    version = ProjectRecord.objects.get(project=team.project).version
    post(team, team.finance, "return", reason="请补充", version=version)
    page = post(team, team.reviewer, "approve", version=version).content.decode()
    assert "王财政" in page and "请刷新页面" in page
    assert status(team) == WorkflowStatus.RETURNED


def test_the_actions_are_post_only_with_csrf(team):
    url = reverse("entry:approve", args=[team.project.pk])
    assert as_user(team.reviewer).get(url).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.reviewer)
    assert client.post(url, {"period": team.period.code}).status_code == 403
    assert status(team) == WorkflowStatus.SUBMITTED
