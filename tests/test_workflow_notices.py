"""Workflow notices (performance.reminders.workflow_notices, docs/workflow.md "Queues and
notices"): submitting tells the unit reviewers, returning and approving tell the fillers (with
the reason), the 主管部门 tier tells the department and, on its return, the unit reviewers;
each notice is claimed once with the step and sent once, in-app and by e-mail, after the
commit; a broker that cannot be reached never fails the step."""

from decimal import Decimal

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from performance import tasks as celery_tasks
from performance.models import (
    IndicatorRecord,
    Notice,
    ProjectRecord,
    ReminderAudience,
    ReminderLog,
    ReminderStatus,
)
from performance.reminders import delivery, tasks, workflow_notices
from performance.services.entry import Entry, save_entries
from performance.services.workflow import (
    Incomplete,
    approve,
    department_approve,
    department_return,
    reopen,
    send_back,
    submit,
)
from tests.adjust_setup import department_reviewer
from tests.broker import unreachable_broker
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The claims handed to Celery (nothing runs)."""
    calls = []
    monkeypatch.setattr(celery_tasks, "send_at_once",
                        lambda task, *args, **options: calls.append(args))
    return calls


@pytest.fixture
def eager(monkeypatch):
    """Celery runs each task at once, as a worker would."""
    monkeypatch.setattr(celery_tasks, "send_at_once",
                        lambda task, *args, **options: task(*args))


@pytest.fixture
def no_broker(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(celery_tasks, "send_at_once", refuse)


@pytest.fixture
def team():
    team = make_team()
    for person in (team.filler, team.reviewer, team.finance):
        person.email = f"{person.username}@example.com"
        person.save(update_fields=["email"])
    return team


def fill(team):
    versions = dict(IndicatorRecord.objects.filter(period=team.period).values_list(
        "indicator_id", "version"))
    record = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    save_entries(team.project, team.period, team.filler,
                 {i.id: Entry(versions.get(i.id), {"actual_value": Decimal(100)})
                  for i in team.indicators},
                 Entry(record and record.version, {"spent": Decimal("95.00")}))


def submitted(team, capture):
    fill(team)
    with capture(execute=True):
        return submit(team.project, team.period, team.filler)


def notices_of(user):
    return list(Notice.objects.filter(recipient=user))


def test_submitting_tells_the_units_reviewers_once_in_app_and_by_mail(
        team, eager, django_capture_on_commit_callbacks):
    record = submitted(team, django_capture_on_commit_callbacks)
    [notice] = notices_of(team.reviewer)
    assert "待您填报审核" in notice.subject and team.project.name in notice.subject
    assert notice.url == f"/projects/{team.project.pk}/?period={team.period.code}"
    [email] = mail.outbox
    assert email.to == [team.reviewer.email] and email.subject == notice.subject
    link = f"http://127.0.0.1:8000/projects/{team.project.pk}/?period={team.period.code}"
    assert link in email.body
    [claim] = ReminderLog.objects.all()
    assert (claim.step, claim.scope, claim.audience, claim.status) == (
        f"wf-{record.pk}-v{record.version}-submit", team.unit.code, ReminderAudience.REVIEWER,
        ReminderStatus.SENT)
    assert notices_of(team.filler) == [] and notices_of(team.finance) == []  # not their turn


def test_the_claims_are_sent_only_after_the_commit(team, sent, django_capture_on_commit_callbacks):
    fill(team)
    with django_capture_on_commit_callbacks(execute=True):
        submit(team.project, team.period, team.filler)
        assert sent == [] and ReminderLog.objects.count() == 1  # claimed with the step
    assert sent == [([ReminderLog.objects.get().pk], 0)]


def test_returning_tells_the_fillers_the_reason(team, eager, django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        send_back(team.project, team.period, team.reviewer, "第二个指标的完成值有误")
    [notice] = notices_of(team.filler)
    assert "已退回修改" in notice.subject and "原因：第二个指标的完成值有误" in notice.body
    assert mail.outbox[-1].to == [team.filler.email]
    assert "第二个指标的完成值有误" in mail.outbox[-1].body
    assert len(notices_of(team.reviewer)) == 1  # the submission's; not told of one's own step


def test_approving_tells_the_fillers(team, eager, django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        approve(team.project, team.period, team.reviewer)
    [notice] = notices_of(team.filler)
    assert "填报审核已通过" in notice.subject


def test_reopening_tells_the_fillers_the_reason(team, eager, django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        approve(team.project, team.period, team.reviewer)
        reopen(team.project, team.period, team.finance, "执行数与账面不符")
    assert ["填报审核已通过" in n.subject for n in notices_of(team.filler)] == [False, True]
    assert "原因：执行数与账面不符" in notices_of(team.filler)[0].body


def test_the_department_tier_hands_the_notice_up_and_its_return_down(
        team, eager, settings, django_capture_on_commit_callbacks):
    settings.DEPARTMENT_TIER = True
    department = department_reviewer(team.unit, "孙主管")
    submitted(team, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        approve(team.project, team.period, team.reviewer)
    [handed_up] = notices_of(department)
    assert "单位已审核，待主管部门填报审核" in handed_up.subject
    assert notices_of(team.filler) == []  # not yet approved
    with django_capture_on_commit_callbacks(execute=True):
        department_return(team.project, team.period, department, "请核对满意度调查样本")
    back = notices_of(team.reviewer)[0]  # newest first
    assert "被主管部门退回" in back.subject and "请核对满意度调查样本" in back.body
    assert ReminderLog.objects.filter(recipient=team.reviewer).values_list(
        "audience", flat=True).distinct().get() == ReminderAudience.REVIEWER
    with django_capture_on_commit_callbacks(execute=True):
        approve(team.project, team.period, team.reviewer)
        department_approve(team.project, team.period, department)
    [approved] = notices_of(team.filler)
    assert "填报审核已通过" in approved.subject


def test_a_redelivered_or_twice_run_delivery_sends_once(
        team, sent, django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    [(ids, attempt)] = sent
    outcomes = [tasks.send_reminder(ids, attempt), tasks.send_reminder(ids, attempt),
                delivery.deliver(ids, attempt)]
    assert outcomes == [delivery.SENT, delivery.SKIPPED, delivery.SKIPPED]
    assert len(mail.outbox) == 1 and len(notices_of(team.reviewer)) == 1


def test_each_step_is_its_own_claim(team, sent, django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        send_back(team.project, team.period, team.reviewer, "请补充")
    fill(team)
    with django_capture_on_commit_callbacks(execute=True):
        submit(team.project, team.period, team.filler)
    steps = list(ReminderLog.objects.order_by("pk").values_list("step", flat=True))
    assert len(steps) == len(set(steps)) == 3
    assert [s.rsplit("-", 1)[1] for s in steps] == ["submit", "return", "submit"]


def test_with_the_broker_down_the_step_succeeds_and_the_notice_is_sent_at_once(
        team, no_broker, django_capture_on_commit_callbacks):
    record = submitted(team, django_capture_on_commit_callbacks)
    assert ProjectRecord.objects.get(pk=record.pk).status == "submitted"
    assert len(notices_of(team.reviewer)) == 1 and len(mail.outbox) == 1


def test_with_the_broker_at_a_closed_port_the_notice_is_sent_at_once(
        team, monkeypatch, django_capture_on_commit_callbacks):
    """The real send, not a stand-in: the broker is tried once (performance.tasks.send_at_once)
    and the claim delivered in the request."""
    with unreachable_broker(monkeypatch):
        record = submitted(team, django_capture_on_commit_callbacks)
    assert ProjectRecord.objects.get(pk=record.pk).status == "submitted"
    assert len(notices_of(team.reviewer)) == 1 and len(mail.outbox) == 1
    assert ReminderLog.objects.get().status == ReminderStatus.SENT


def test_with_the_broker_and_the_mail_down_the_step_succeeds_and_is_retried_later(
        team, no_broker, monkeypatch, django_capture_on_commit_callbacks):
    def no_mail(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", no_mail)
    record = submitted(team, django_capture_on_commit_callbacks)
    assert ProjectRecord.objects.get(pk=record.pk).status == "submitted"
    claim = ReminderLog.objects.get()
    assert claim.status == ReminderStatus.FAILED and "SMTP down" in claim.error
    assert len(notices_of(team.reviewer)) == 1  # the in-app notice is there already


def test_the_return_page_succeeds_with_the_broker_down(team, no_broker, client,
                                                      django_capture_on_commit_callbacks):
    submitted(team, django_capture_on_commit_callbacks)
    client.force_login(team.reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/projects/{team.project.pk}/return/",
                               {"period": team.period.code, "reason": "请补充佐证"})
    assert response.status_code == 302
    assert ProjectRecord.objects.get(project=team.project).status == "returned"
    assert "请补充佐证" in notices_of(team.filler)[0].body


def test_nobody_to_tell_claims_nothing(team, sent, django_capture_on_commit_callbacks):
    team.reviewer.memberships.all().delete()
    submitted(team, django_capture_on_commit_callbacks)
    assert ReminderLog.objects.count() == 0 and sent == []


def test_a_step_that_fails_claims_nothing(team, sent):
    with pytest.raises(Incomplete):  # nothing filled in
        submit(team.project, team.period, team.filler)
    assert ReminderLog.objects.count() == 0


def test_step_keys_fit_the_claim_column():
    record = ProjectRecord(pk=12345678, version=99999)
    for action in workflow_notices._CODES:
        assert len(workflow_notices.step_key(record, action)) <= 30
