"""The 主管部门 tier in the monitoring / self-evaluation workflow (docs/workflow.md): submitted →
unit approved → approved, each level returning to the level below with its reason kept; who
may act and see (services and the project page); the department reviewers' queue on the
project list and their reminders."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import IndicatorRecord, ProjectRecord, ReminderAudience, WorkflowStatus
from performance.reminders import delivery, service
from performance.services.entry import Entry, save_entries
from performance.services.workflow import (
    WorkflowRefused,
    approve,
    department_approve,
    department_return,
    reopen,
    send_back,
    submit,
)
from tests.adjust_setup import department_reviewer
from tests.entry_setup import lock, make_team
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db
S = WorkflowStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def tier(settings):
    settings.DEPARTMENT_TIER = True


@pytest.fixture
def team():
    team = make_team()
    team.other_unit.department = DepartmentFactory(code="343", name="广元市教育局")
    team.other_unit.save()
    team.department = department_reviewer(team.unit, "孙主管")
    team.stranger = department_reviewer(team.other_unit, "周外部门")  # another department
    return team


def fill(team, value=Decimal(100)):
    versions = dict(IndicatorRecord.objects.filter(period=team.period).values_list(
        "indicator_id", "version"))
    record = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    save_entries(team.project, team.period, team.filler,
                 {i.id: Entry(versions.get(i.id), {"actual_value": value}) for i in team.indicators},
                 Entry(record and record.version, {"spent": Decimal("95.00")}))


def submitted(team):
    fill(team)
    return submit(team.project, team.period, team.filler)


def unit_approved(team):
    submitted(team)
    return approve(team.project, team.period, team.reviewer)


def steps(team):
    """(step, actor, status, return reason) of every workflow step, in order."""
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    return [row for row in record.history.order_by("history_id").values_list(
        "history_change_reason", "history_user", "status", "return_reason")
        if row[0] in {"提交审核", "审核通过", "退回修改", "主管部门审核通过", "退回单位审核",
                      "重新打开"}]


# ---------------------------------------------------------------- services


def test_without_the_tier_the_unit_reviewer_has_the_last_word(team):
    submitted(team)
    assert approve(team.project, team.period, team.reviewer).status == S.APPROVED


def test_with_the_tier_off_a_department_with_reviewers_changes_nothing(team, settings):
    settings.DEPARTMENT_TIER = False
    submitted(team)
    record = approve(team.project, team.period, team.finance)
    assert record.status == S.APPROVED


def test_a_department_without_an_active_reviewer_is_not_a_level(tier):
    team = make_team()  # nobody reviews its department
    submitted(team)
    assert approve(team.project, team.period, team.reviewer).status == S.APPROVED


def test_with_the_tier_the_chain_is_unit_then_department(team, tier):
    record = unit_approved(team)
    assert record.status == S.UNIT_APPROVED and record.reviewed_by == team.reviewer
    record = department_approve(team.project, team.period, team.department,
                                version=record.version)
    assert record.status == S.APPROVED and record.reviewed_by == team.department
    assert [(step, by, status) for step, by, status, _ in steps(team)] == [
        ("提交审核", team.filler.pk, S.SUBMITTED),
        ("审核通过", team.reviewer.pk, S.UNIT_APPROVED),
        ("主管部门审核通过", team.department.pk, S.APPROVED)]


def test_each_level_returns_to_the_level_below_and_every_reason_stays_in_history(team, tier):
    unit_approved(team)
    record = department_return(team.project, team.period, team.department, "佐证材料与台账不一致")
    assert record.status == S.SUBMITTED and record.return_reason == "佐证材料与台账不一致"
    record = send_back(team.project, team.period, team.reviewer, "请按主管部门意见补充佐证")
    assert record.status == S.RETURNED
    fill(team, Decimal(101))
    submit(team.project, team.period, team.filler)
    approve(team.project, team.period, team.reviewer)
    department_approve(team.project, team.period, team.department)
    assert [(step, status, reason) for step, _, status, reason in steps(team)] == [
        ("提交审核", S.SUBMITTED, ""),
        ("审核通过", S.UNIT_APPROVED, ""),
        ("退回单位审核", S.SUBMITTED, "佐证材料与台账不一致"),
        ("退回修改", S.RETURNED, "请按主管部门意见补充佐证"),
        ("提交审核", S.SUBMITTED, "请按主管部门意见补充佐证"),
        ("审核通过", S.UNIT_APPROVED, "请按主管部门意见补充佐证"),
        ("主管部门审核通过", S.APPROVED, "请按主管部门意见补充佐证")]


def test_returning_to_the_unit_needs_a_reason(team, tier):
    unit_approved(team)
    with pytest.raises(WorkflowRefused, match="退回原因"):
        department_return(team.project, team.period, team.department, " ")
    assert ProjectRecord.objects.get(project=team.project).status == S.UNIT_APPROVED


def test_a_department_reviewer_of_another_department_is_refused(team, tier):
    unit_approved(team)
    with pytest.raises(PermissionDenied):
        department_approve(team.project, team.period, team.stranger)
    with pytest.raises(PermissionDenied):
        department_return(team.project, team.period, team.stranger, "不是本部门的")
    assert ProjectRecord.objects.get(project=team.project).status == S.UNIT_APPROVED


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_the_unit_cannot_decide_for_its_department(team, tier, who):
    unit_approved(team)
    with pytest.raises(PermissionDenied):
        department_approve(team.project, team.period, getattr(team, who))
    with pytest.raises(WorkflowRefused if who == "reviewer" else PermissionDenied):
        send_back(team.project, team.period, getattr(team, who), "想收回")


def test_the_department_does_not_act_before_the_unit(team, tier):
    submitted(team)
    with pytest.raises(WorkflowRefused, match="尚未经本单位审核人审核"):
        department_approve(team.project, team.period, team.department)
    with pytest.raises(PermissionDenied):
        approve(team.project, team.period, team.department)


def test_finance_can_still_act_at_every_level(team, tier):
    submitted(team)
    assert approve(team.project, team.period, team.finance).status == S.UNIT_APPROVED
    record = department_return(team.project, team.period, team.finance, "请单位复核")
    assert record.status == S.SUBMITTED and record.reviewed_by == team.finance
    approve(team.project, team.period, team.reviewer)
    with pytest.raises(WorkflowRefused, match="退回单位审核"):
        reopen(team.project, team.period, team.finance, "抽查")
    assert department_approve(team.project, team.period, team.finance).status == S.APPROVED
    assert reopen(team.project, team.period, team.finance, "抽查").status == S.RETURNED


def test_a_project_left_at_the_department_when_the_tier_is_turned_off_is_decided_by_finance(
        team, tier, settings):
    unit_approved(team)
    settings.DEPARTMENT_TIER = False
    assert department_approve(team.project, team.period, team.finance).status == S.APPROVED


def test_a_department_decision_on_a_page_read_before_a_change_is_refused(team, tier):
    record = unit_approved(team)
    department_return(team.project, team.period, team.finance, "请复核", version=record.version)
    with pytest.raises(WorkflowRefused, match="王财政"):
        department_approve(team.project, team.period, team.department, version=record.version)
    assert ProjectRecord.objects.get(project=team.project).status == S.SUBMITTED


def test_a_locked_period_refuses_the_department(team, tier):
    unit_approved(team)
    lock(team.period, team.finance)
    with pytest.raises(WorkflowRefused, match="锁定"):
        department_approve(team.project, team.period, team.department)


# ---------------------------------------------------------------- the project page


def url(team):
    return f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(team, user, name, **data):
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    return as_user(user).post(reverse(f"entry:{name}", args=[team.project.pk]),
                              {"period": team.period.code, "version": record.version, **data},
                              follow=True)


def test_the_department_reviewer_sees_its_buttons_on_a_unit_approved_project(team, tier):
    unit_approved(team)
    page = as_user(team.department).get(url(team)).content.decode()
    assert "主管部门审核通过" in page and "退回单位审核" in page
    assert "单位已审核" in page and "等待主管部门审核" in page
    assert "主管部门审核人" in page  # 你的角色
    assert 'value="save"' not in page


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_the_unit_sees_the_project_waiting_for_its_department_without_buttons(team, tier, who):
    unit_approved(team)
    page = as_user(getattr(team, who)).get(url(team)).content.decode()
    assert "等待主管部门审核" in page
    assert 'id="review"' not in page and 'value="save"' not in page


def test_finance_sees_the_department_buttons_too(team, tier):
    unit_approved(team)
    page = as_user(team.finance).get(url(team)).content.decode()
    assert "主管部门审核通过" in page and "重新打开" not in page


def test_the_department_reviewer_sees_a_submitted_project_read_only(team, tier):
    submitted(team)
    page = as_user(team.department).get(url(team)).content.decode()
    assert 'id="review"' not in page
    unit_page = as_user(team.reviewer).get(url(team)).content.decode()
    assert "通过后报主管部门审核" in unit_page


def test_an_outsider_and_a_reviewer_of_another_department_get_404(team, tier):
    unit_approved(team)
    for user in (team.outsider, team.stranger):
        assert as_user(user).get(url(team)).status_code == 404
        response = as_user(user).post(reverse("entry:department_approve", args=[team.project.pk]),
                                      {"period": team.period.code})
        assert response.status_code == 404
    assert ProjectRecord.objects.get(project=team.project).status == S.UNIT_APPROVED


def test_the_department_approves_from_the_page(team, tier):
    unit_approved(team)
    page = post(team, team.department, "department_approve").content.decode()
    assert "主管部门已审核通过" in page
    assert ProjectRecord.objects.get(project=team.project).status == S.APPROVED


def test_the_unit_approving_from_the_page_is_told_it_goes_to_the_department(team, tier):
    submitted(team)
    page = post(team, team.reviewer, "approve").content.decode()
    assert "已审核通过，报主管部门审核" in page


def test_the_departments_reason_is_shown_to_the_unit_until_it_decides_again(team, tier):
    unit_approved(team)
    page = post(team, team.department, "department_return", reason="请补充<b>佐证</b>").content.decode()
    assert "已退回单位审核人重新审核" in page
    for user in (team.reviewer, team.filler):
        page = as_user(user).get(url(team)).content.decode()
        assert "主管部门退回单位审核：" in page and "请补充&lt;b&gt;佐证&lt;/b&gt;" in page
    reviewer_page = as_user(team.reviewer).get(url(team)).content.decode()
    assert "审核通过" in reviewer_page and "退回修改" in reviewer_page
    approve(team.project, team.period, team.reviewer)
    assert "主管部门退回单位审核" not in as_user(team.reviewer).get(url(team)).content.decode()


def test_an_old_unit_return_is_not_shown_as_the_departments(team, tier):
    submitted(team)
    send_back(team.project, team.period, team.reviewer, "单位的退回原因")
    submit(team.project, team.period, team.filler)
    page = as_user(team.reviewer).get(url(team)).content.decode()
    assert "主管部门退回单位审核" not in page


def test_a_department_return_without_a_reason_is_refused_on_the_page(team, tier):
    unit_approved(team)
    page = post(team, team.department, "department_return", reason="").content.decode()
    assert "退回时须填写退回原因" in page
    assert ProjectRecord.objects.get(project=team.project).status == S.UNIT_APPROVED


def test_the_cached_page_of_the_unit_reviewer_is_not_served_to_the_department(team, tier,
                                                                              settings):
    settings.PAGE_CACHE_SECONDS = 300
    unit_approved(team)
    assert "主管部门审核通过" not in as_user(team.reviewer).get(url(team)).content.decode()
    assert "主管部门审核通过" in as_user(team.department).get(url(team)).content.decode()


def test_turning_the_tier_on_shows_on_the_cached_page(team, settings):
    settings.PAGE_CACHE_SECONDS = 300
    submitted(team)
    assert "通过后报主管部门审核" not in as_user(team.reviewer).get(url(team)).content.decode()
    settings.DEPARTMENT_TIER = True
    assert "通过后报主管部门审核" in as_user(team.reviewer).get(url(team)).content.decode()


def test_the_page_of_a_department_reviewer_runs_a_bounded_number_of_queries(team, tier,
                                                                           settings):
    settings.PAGE_CACHE_SECONDS = 0  # the page rendered each time
    unit_approved(team)
    client = as_user(team.department)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(team)).status_code == 200
        return len(queries)

    small = count()
    for _ in range(30):
        ProjectFactory(unit=team.unit)
    for _ in range(10):
        IndicatorFactory(project=team.project, weight=Decimal(1))
    assert count() == small


# ---------------------------------------------------------------- queue and reminders

HOME = reverse("entry:home")


def test_the_department_reviewer_filters_its_queue_of_its_departments_units_only(team, tier):
    unit_approved(team)
    other = ProjectFactory(unit=team.other_unit, name="外部门单位的项目")
    ProjectRecordFactory(project=other, period=team.period, status=S.UNIT_APPROVED)
    ProjectFactory(unit=team.unit, name="尚未提交的项目")
    client = as_user(team.department)
    home = client.get(HOME, {"period": team.period.code}).content.decode()
    assert "本部门所属单位项目" in home and 'id="department-queue"' in home
    assert "待主管部门审核 <span class=\"badge text-bg-primary\">1</span>" in home
    assert "单位已审核（待主管部门审核）" in home  # the status filter offers it
    queue = client.get(HOME, {"period": team.period.code, "status": S.UNIT_APPROVED}).content.decode()
    assert team.project.name in queue
    assert "尚未提交的项目" not in queue and "外部门单位的项目" not in queue


def test_the_status_filter_offers_the_department_status_only_with_the_tier(team):
    home = as_user(team.reviewer).get(HOME, {"period": team.period.code}).content.decode()
    assert "待主管部门审核" not in home


def test_the_home_page_of_a_department_reviewer_runs_a_bounded_number_of_queries(team, tier,
                                                                                settings):
    settings.PAGE_CACHE_SECONDS = 0
    ProjectRecordFactory(project=team.project, period=team.period, status=S.UNIT_APPROVED)
    client = as_user(team.department)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(HOME, {"period": team.period.code, "status": S.UNIT_APPROVED}
                              ).status_code == 200
        return len(queries)

    small = count()
    for _ in range(30):
        ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period,
                             status=S.UNIT_APPROVED)
    assert count() == small


def at(month, day, hour=9):
    return datetime.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def scan(now):
    with time_machine.travel(now, tick=False):
        result = service.scan()
        for message in result.messages:
            delivery.deliver(message.log_ids, message.attempt)
    return result.new


def test_department_reviewers_are_reminded_once_a_day_of_projects_waiting_for_them(team, tier):
    for user in (team.department, team.stranger, team.reviewer):
        user.email = f"{user.pk}@example.com"
        user.save()
    with time_machine.travel(at(3, 1), tick=False):
        submitted(team)
    with time_machine.travel(at(3, 5), tick=False):
        approve(team.project, team.period, team.reviewer)

    assert scan(at(3, 8, 8)) == []  # not three days yet
    sent = scan(at(3, 8, 9))
    assert [(m.recipient_id, m.audience, m.step) for m in sent] == [
        (team.department.pk, ReminderAudience.DEPARTMENT, "department-2026-03-08")]
    # the reminder, not the workflow notice of the unit's approval (also to the department)
    message = next(m for m in mail.outbox
                   if m.to == [team.department.email] and "超过" in m.subject)
    assert "1 个项目单位已审核超过 3 天，待主管部门审核" in message.subject
    assert f"{team.project.name}（2026-03-05 单位审核通过）" in message.body
    assert scan(at(3, 8, 15)) == []  # once per step
    assert len(scan(at(3, 9, 9))) == 1  # the next day's step

    department_approve(team.project, team.period, team.department)
    assert scan(at(3, 10, 9)) == []


def test_a_department_return_puts_the_project_back_in_the_unit_reviewers_reminders(team, tier):
    team.reviewer.email = "rita@example.com"
    team.reviewer.save()
    with time_machine.travel(at(3, 1), tick=False):
        unit_approved(team)
        department_return(team.project, team.period, team.department, "请复核")
    assert [(m.recipient_id, m.audience) for m in scan(at(3, 5, 9))] == [
        (team.reviewer.pk, ReminderAudience.REVIEWER)]
