"""Separation of duties (SEPARATION_OF_DUTIES, on by default): whoever submitted a record
approves it at no level, and whoever proposed or submitted a target adjustment does not approve
it; the pages and the queues offer them nothing to approve. With the setting off, a person
holding both roles may approve their own work, as before."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from budget.models import Membership, Role
from performance.adjustments import queue as adjustment_queue
from performance.chain import VersionStatus
from performance.models import ProjectRecord, ReminderLog, VersionStep, WorkflowStatus
from performance.services import adjustment_chain
from performance.services.adjustments import AdjustmentRefused
from performance.services.entry import Entry, save_entries
from performance.services.queues import queues
from performance.services.workflow import (
    SELF_APPROVAL,
    WorkflowRefused,
    approve,
    department_approve,
    submit,
)

from .adjust_setup import change_targets, department_reviewer
from .entry_setup import UNUSABLE, make_team
from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    """The entry team; its filler is also a 单位审核人 of the unit (both roles)."""
    team = make_team()
    MembershipFactory(user=team.filler, unit=team.unit, role=Role.UNIT_REVIEWER)
    return team


def submitted(team, user=None):
    """Every value entered and the project submitted, by `user` (the team's filler)."""
    user = user or team.filler
    entries = {i.id: Entry(None, {"actual_value": Decimal(100)}) for i in team.indicators}
    save_entries(team.project, team.period, user, entries, Entry(None, {"spent": Decimal(95)}))
    return submit(team.project, team.period, user)


def record(team):
    return ProjectRecord.objects.get(project=team.project, period=team.period)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- the workflow service


def test_the_submitter_cannot_approve_their_own_submission_and_nothing_is_written(team):
    before = submitted(team)
    history = before.history.count()
    notices = ReminderLog.objects.count()

    with pytest.raises(WorkflowRefused) as refused:
        approve(team.project, team.period, team.filler, version=before.version)

    assert str(refused.value) == SELF_APPROVAL == "提交人不能审核自己提交的记录（职责分离）。"
    after = record(team)
    assert (after.status, after.version) == (WorkflowStatus.SUBMITTED, before.version)
    assert after.reviewed_by_id is None and after.history.count() == history
    assert ReminderLog.objects.count() == notices


def test_another_reviewer_approves_it(team):
    submitted(team)

    approve(team.project, team.period, team.reviewer)

    assert record(team).status == WorkflowStatus.APPROVED


def test_with_the_setting_off_the_submitter_may_approve(team, settings):
    settings.SEPARATION_OF_DUTIES = False
    submitted(team)

    approve(team.project, team.period, team.filler)

    assert record(team).status == WorkflowStatus.APPROVED


def test_a_submitter_who_is_the_departments_reviewer_cannot_approve_it_there(team, settings):
    settings.DEPARTMENT_TIER = True
    Membership.objects.create(user=team.filler, department=team.unit.department,
                              role=Role.DEPARTMENT_REVIEWER)
    submitted(team)
    approve(team.project, team.period, team.reviewer)
    version = record(team).version
    assert record(team).status == WorkflowStatus.UNIT_APPROVED

    with pytest.raises(WorkflowRefused, match="职责分离"):
        department_approve(team.project, team.period, team.filler)

    assert (record(team).status, record(team).version) == (WorkflowStatus.UNIT_APPROVED, version)
    department_approve(team.project, team.period, department_reviewer(team.unit))
    assert record(team).status == WorkflowStatus.APPROVED


# ---------------------------------------------------------------- the project page and the queue


def page(team, user) -> str:
    url = f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"
    response = as_user(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_project_page_offers_no_approve_button_to_the_submitter(team):
    twin = UserFactory(first_name="钱双岗", password=UNUSABLE)  # the same two roles
    MembershipFactory(user=twin, unit=team.unit, role=Role.FILLER)
    MembershipFactory(user=twin, unit=team.unit, role=Role.UNIT_REVIEWER)
    submitted(team)

    assert "审核通过</button>" not in page(team, team.filler)
    # the page is cached per rights: the same rights, but not the submitter, see the button
    assert "审核通过</button>" in page(team, twin)
    assert "审核通过</button>" not in page(team, team.filler)
    assert "审核通过</button>" in page(team, team.reviewer)


def test_the_project_page_offers_the_button_when_the_setting_is_off(team, settings):
    settings.SEPARATION_OF_DUTIES = False
    submitted(team)

    assert "审核通过</button>" in page(team, team.filler)


def test_the_review_queue_does_not_count_what_the_reviewer_submitted(
        team, django_assert_num_queries):
    submitted(team)
    team.filler._jxt_roles = None

    with django_assert_num_queries(2):  # the memberships, and the one queue query
        mine = queues(team.filler)
    assert mine.total == 0
    assert queues(team.reviewer).total == 1


# ---------------------------------------------------------------- target adjustments


@pytest.fixture
def proposal(team):
    """A proposal by the team's filler (also its unit reviewer), submitted: 待单位审核."""
    first = team.indicators[0]
    version = change_targets(team.project, team.filler, {first.id: {"target_value": 50}})
    return adjustment_chain.submit(version, team.filler)


def test_the_proposer_cannot_approve_their_own_adjustment(team, proposal):
    steps = VersionStep.objects.count()

    with pytest.raises(AdjustmentRefused, match="职责分离"):
        adjustment_chain.approve(proposal, team.filler)

    proposal.refresh_from_db()
    assert proposal.status == VersionStatus.AT_UNIT and VersionStep.objects.count() == steps
    assert adjustment_chain.approve(proposal, team.reviewer).status == VersionStatus.AT_FINANCE


def test_the_proposer_cannot_approve_it_at_the_finance_level_either(team, proposal):
    adjustment_chain.approve(proposal, team.reviewer)
    Membership.objects.create(user=team.filler, role=Role.FINANCE_REVIEWER)
    team.filler._jxt_roles = None  # the memberships are read once per user object

    with pytest.raises(AdjustmentRefused, match="职责分离"):
        adjustment_chain.approve(proposal, team.filler)

    assert adjustment_chain.approve(proposal, team.finance).status == VersionStatus.APPROVED


def test_whoever_submitted_a_proposal_cannot_approve_it(team):
    colleague = UserFactory(first_name="周填报", password=UNUSABLE)
    MembershipFactory(user=colleague, unit=team.unit, role=Role.FILLER)
    MembershipFactory(user=colleague, unit=team.unit, role=Role.UNIT_REVIEWER)
    first = team.indicators[0]
    version = change_targets(team.project, team.filler, {first.id: {"target_value": 50}})
    version = adjustment_chain.submit(version, colleague)

    with pytest.raises(AdjustmentRefused, match="职责分离"):
        adjustment_chain.approve(version, colleague)


def test_with_the_setting_off_the_proposer_may_approve(team, proposal, settings):
    settings.SEPARATION_OF_DUTIES = False

    assert adjustment_chain.approve(proposal, team.filler).status == VersionStatus.AT_FINANCE


def test_the_proposal_page_and_queue_offer_the_proposer_nothing_to_approve(team, proposal):
    url = reverse("adjustments:detail", args=[proposal.pk])

    assert "审核通过</button>" not in as_user(team.filler).get(url).content.decode()
    assert "审核通过</button>" in as_user(team.reviewer).get(url).content.decode()
    assert adjustment_queue.pending_count(team.filler) == 0
    assert adjustment_queue.pending_count(team.reviewer) == 1
