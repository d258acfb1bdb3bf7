"""performance.services.period_lock: locking a period, unlocking it, opening a locked period for
one unit and closing it again — each with who, when and why, each kept as a PeriodLockEvent —
and what a lock means for the write path and the reminders."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from budget.models import Role
from performance.models import (
    IndicatorRecord,
    PeriodLockEvent,
    PeriodStatus,
    PeriodUnitUnlock,
    ProjectRecord,
    ReminderLog,
    ReportingPeriod,
    WorkflowStatus,
)
from performance.reminders import delivery, service
from performance.services.entry import Entry, EntryRefused, save_entries
from performance.services.period_lock import (
    PeriodRefused,
    lock_events,
    lock_period,
    lock_text,
    period_for_write,
    relock_unit,
    unit_state,
    unit_unlocks,
    unlock_period,
    unlock_unit,
)
from performance.services.workflow import WorkflowRefused, submit
from performance.workflow import Channel, PeriodState
from tests.entry_setup import LOCKED_AT, UNUSABLE, lock, make_team
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "填报截止，数据已汇总"


@pytest.fixture
def team():
    team = make_team()
    # a project of the other unit, filled by team.outsider (a filler of that unit)
    team.other_project = ProjectFactory(unit=team.other_unit, budget_amount=Decimal("100.00"))
    team.other_indicator = IndicatorFactory(project=team.other_project,
                                            target_value=Decimal(100))
    return team


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 4, day, hour, minute, tzinfo=SHANGHAI)


def reload(period):
    return ReportingPeriod.objects.get(pk=period.pk)


def events(period):
    """(action, unit code or None, reason, by, channel) of every event, oldest first."""
    return [(e.action, e.unit.code if e.unit else None, e.reason, e.by, e.channel)
            for e in PeriodLockEvent.objects.filter(period=period).order_by("at", "id")]


def save_own(team, value=Decimal(80)):
    """The unit's filler saves the first indicator of its project."""
    return save_entries(team.project, team.period, team.filler,
                        {team.indicators[0].id: Entry(None, {"actual_value": value,
                                                             "explanation": ""})})


def save_other(team, value=Decimal(70)):
    """The other unit's filler saves its project's indicator."""
    return save_entries(team.other_project, team.period, team.outsider,
                        {team.other_indicator.id: Entry(None, {"actual_value": value,
                                                               "explanation": ""})})


def unchanged(period, before):
    """The period's lock fields as stored equal `before` (a reloaded copy)."""
    now = reload(period)
    return ((now.status, now.locked_at, now.locked_by_id, now.lock_reason, now.lock_changed_at)
            == (before.status, before.locked_at, before.locked_by_id, before.lock_reason,
                before.lock_changed_at))


# ---------------------------------------------------------------- lock


def test_a_lock_with_a_reason_records_who_when_why_and_an_event(team):
    with time_machine.travel(LOCKED_AT, tick=False):
        returned = lock_period(team.period, team.finance, f"  {REASON}  ")
    period = reload(team.period)
    assert period.status == PeriodStatus.LOCKED and period.is_locked
    assert period.locked_at == LOCKED_AT and period.locked_by == team.finance
    assert period.lock_reason == REASON  # stripped
    assert period.lock_changed_at == LOCKED_AT
    assert returned.pk == period.pk and returned.is_locked
    event = PeriodLockEvent.objects.get(period=period)
    assert (event.action, event.unit, event.reason, event.by, event.channel, event.at) == (
        "lock", None, REASON, team.finance, Channel.PAGE, LOCKED_AT)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_lock_without_a_reason_is_refused_and_changes_nothing(team, reason):
    before = reload(team.period)
    with pytest.raises(PeriodRefused, match="锁定期间时须填写原因"):
        lock_period(team.period, team.finance, reason)
    assert unchanged(team.period, before) and not reload(team.period).is_locked
    assert not PeriodLockEvent.objects.exists()


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
def test_a_filler_or_a_unit_reviewer_cannot_lock_on_the_page(team, who):
    with pytest.raises(PeriodRefused, match="只有财政审核人或管理员可以锁定期间"):
        lock_period(team.period, getattr(team, who), REASON)
    assert not reload(team.period).is_locked and not PeriodLockEvent.objects.exists()


def test_a_superuser_keeps_the_periods_like_finance(team, superuser):
    lock_period(team.period, superuser, REASON)
    assert reload(team.period).locked_by == superuser


@pytest.mark.parametrize("channel", [Channel.ADMIN, Channel.COMMAND])
def test_the_admin_and_the_command_line_may_lock_whoever_acts(team, channel):
    """The admin site's permissions and shell access decide who reaches those channels."""
    staff = UserFactory(is_staff=True, password=UNUSABLE)
    lock_period(team.period, staff, REASON, channel=channel)
    assert reload(team.period).is_locked
    assert events(team.period) == [("lock", None, REASON, staff, channel)]


def test_the_command_line_may_lock_without_a_user_and_the_lock_text_says_unknown(team):
    with time_machine.travel(LOCKED_AT, tick=False):
        lock_period(team.period, None, REASON, channel=Channel.COMMAND)
    period = reload(team.period)
    assert period.is_locked and period.locked_by is None
    assert "（未知用户）" in lock_text(period)
    assert events(period) == [("lock", None, REASON, None, Channel.COMMAND)]


def test_a_locked_period_cannot_be_locked_again(team):
    lock(team.period, team.finance)
    before = reload(team.period)
    with pytest.raises(PeriodRefused, match="该期间已锁定"):
        lock_period(team.period, team.finance, "再锁一次")
    assert unchanged(team.period, before) and reload(team.period).lock_reason == REASON
    assert PeriodLockEvent.objects.count() == 1


def test_a_stale_instance_that_still_says_open_cannot_lock_twice(team):
    stale = reload(team.period)
    lock(team.period, team.finance)
    assert not stale.is_locked
    with pytest.raises(PeriodRefused, match="该期间已锁定"):
        lock_period(stale, team.finance, "再锁一次")
    assert PeriodLockEvent.objects.count() == 1


# ---------------------------------------------------------------- unlock


def test_unlock_with_a_reason_opens_the_period_and_keeps_an_event(team):
    lock(team.period, team.finance)
    with time_machine.travel(at(2), tick=False):
        unlock_period(team.period, team.finance, " 补录遗漏项目 ")
    period = reload(team.period)
    assert period.status == PeriodStatus.OPEN and not period.is_locked
    assert (period.locked_at, period.locked_by, period.lock_reason) == (None, None, "")
    assert period.lock_changed_at == at(2)
    assert events(period)[-1] == ("unlock", None, "补录遗漏项目", team.finance, Channel.PAGE)
    save_own(team)  # writable again
    assert IndicatorRecord.objects.filter(period=period).exists()


def test_unlock_without_a_reason_is_refused(team):
    lock(team.period, team.finance)
    before = reload(team.period)
    with pytest.raises(PeriodRefused, match="解锁期间时须填写原因"):
        unlock_period(team.period, team.finance, " ")
    assert unchanged(team.period, before) and PeriodLockEvent.objects.count() == 1


def test_an_open_period_cannot_be_unlocked(team):
    with pytest.raises(PeriodRefused, match="该期间未锁定"):
        unlock_period(team.period, team.finance, "解锁")
    assert not PeriodLockEvent.objects.exists()


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_a_filler_or_a_unit_reviewer_cannot_unlock(team, who):
    lock(team.period, team.finance)
    with pytest.raises(PeriodRefused, match="只有财政审核人或管理员可以解锁期间"):
        unlock_period(team.period, getattr(team, who), "想改数据")
    assert reload(team.period).is_locked


# ---------------------------------------------------------------- the write path


def test_a_lock_refuses_every_unit_with_the_period_who_when_and_why(team):
    lock(team.period, team.finance)
    for save in (save_own, save_other):
        with pytest.raises(EntryRefused) as refused:
            save(team)
        text = str(refused.value)
        assert team.period.name in text and "王财政" in text
        assert "2026-04-01 09:30" in text and REASON in text
    assert not IndicatorRecord.objects.exists()


def test_a_unit_unlock_lets_that_unit_write_while_the_others_stay_locked(team):
    lock(team.period, team.finance)
    with time_machine.travel(at(3), tick=False):
        unlocked = unlock_unit(team.period, team.unit, team.finance, " 迟报更正 ")
    assert (unlocked.unit, unlocked.reason, unlocked.unlocked_by, unlocked.unlocked_at) == (
        team.unit, "迟报更正", team.finance, at(3))
    period = reload(team.period)
    assert period.is_locked and period.lock_changed_at == at(3)  # still locked as a whole
    assert unit_state(period, team.unit.pk) == PeriodState.UNIT_OPEN
    assert unit_state(period, team.other_unit.pk) == PeriodState.LOCKED

    save_own(team)
    assert IndicatorRecord.objects.get(indicator=team.indicators[0]).actual_value == 80

    with pytest.raises(EntryRefused) as refused:
        save_other(team)
    text = str(refused.value)
    assert team.period.name in text and "王财政" in text
    assert "2026-04-01 09:30" in text and REASON in text
    assert not IndicatorRecord.objects.filter(indicator=team.other_indicator).exists()
    assert events(period)[-1] == ("unlock_unit", team.unit.code, "迟报更正", team.finance,
                                  Channel.PAGE)


def test_a_unit_unlock_lets_the_unit_submit_while_the_others_cannot(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    entries = {i.id: Entry(None, {"actual_value": Decimal(100), "explanation": ""})
               for i in team.indicators}
    save_entries(team.project, team.period, team.filler, entries,
                 Entry(None, {"spent": Decimal("95.00"), "spent_reason": ""}))
    submit(team.project, team.period, team.filler)
    assert ProjectRecord.objects.get(project=team.project).status == WorkflowStatus.SUBMITTED
    with pytest.raises(WorkflowRefused, match="锁定"):
        submit(team.other_project, team.period, team.outsider)


def test_relock_unit_closes_the_unit_again(team):
    lock(team.period, team.finance)
    with time_machine.travel(at(3), tick=False):
        unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    save_own(team)
    with time_machine.travel(at(4), tick=False):
        relock_unit(team.period, team.unit, team.finance)
    period = reload(team.period)
    assert not PeriodUnitUnlock.objects.exists() and period.lock_changed_at == at(4)
    assert unit_state(period, team.unit.pk) == PeriodState.LOCKED
    with pytest.raises(EntryRefused, match=REASON):
        save_entries(team.project, team.period, team.filler,
                     {team.indicators[0].id: Entry(0, {"actual_value": Decimal(90),
                                                       "explanation": ""})})
    assert IndicatorRecord.objects.get(indicator=team.indicators[0]).actual_value == 80
    assert events(period)[-1] == ("relock_unit", team.unit.code, "", team.finance, Channel.PAGE)


def test_relocking_a_unit_that_was_not_unlocked_is_refused(team):
    lock(team.period, team.finance)
    with pytest.raises(PeriodRefused, match="该单位没有单独解锁"):
        relock_unit(team.period, team.unit, team.finance)
    assert PeriodLockEvent.objects.count() == 1


def test_a_unit_cannot_be_unlocked_twice(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    with pytest.raises(PeriodRefused, match="该单位已解锁"):
        unlock_unit(team.period, team.unit, team.finance, "再解一次")
    assert PeriodUnitUnlock.objects.count() == 1 and PeriodLockEvent.objects.count() == 2


def test_a_unit_unlock_needs_a_reason(team):
    lock(team.period, team.finance)
    with pytest.raises(PeriodRefused, match="为单位解锁时须填写原因"):
        unlock_unit(team.period, team.unit, team.finance, "  ")
    assert not PeriodUnitUnlock.objects.exists() and PeriodLockEvent.objects.count() == 1


def test_a_unit_unlock_of_an_open_period_is_refused(team):
    with pytest.raises(PeriodRefused, match="该期间未锁定，无需为单位解锁"):
        unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    assert not PeriodUnitUnlock.objects.exists() and not PeriodLockEvent.objects.exists()


@pytest.mark.parametrize("who", ["filler", "reviewer"])
def test_a_unit_cannot_unlock_itself(team, who):
    lock(team.period, team.finance)
    with pytest.raises(PeriodRefused, match="只有财政审核人或管理员可以为单位解锁"):
        unlock_unit(team.period, team.unit, getattr(team, who), "我们要改")
    assert not PeriodUnitUnlock.objects.exists()


def test_unlocking_the_period_ends_the_unit_unlocks_and_a_new_lock_starts_without_them(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    unlock_period(team.period, team.finance, "重新开放")
    assert not PeriodUnitUnlock.objects.exists()
    lock(team.period, team.finance, "再次截止")
    assert unit_state(reload(team.period), team.unit.pk) == PeriodState.LOCKED
    with pytest.raises(EntryRefused, match="再次截止"):
        save_own(team)


def test_a_lock_removes_a_unit_unlock_left_on_an_open_period(team):
    """Rows made outside the service (a fixture, a shell) do not survive the next lock."""
    PeriodUnitUnlock.objects.create(period=team.period, unit=team.unit, reason="遗留",
                                    unlocked_at=LOCKED_AT)
    lock(team.period, team.finance)
    assert not PeriodUnitUnlock.objects.exists()
    assert unit_state(reload(team.period), team.unit.pk) == PeriodState.LOCKED


def test_every_action_leaves_an_event_in_order(team):
    lock(team.period, team.finance, REASON, at=at(1))
    with time_machine.travel(at(2), tick=False):
        unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    with time_machine.travel(at(3), tick=False):
        relock_unit(team.period, team.unit, team.finance, "更正完成")
    with time_machine.travel(at(4), tick=False):
        unlock_period(team.period, team.finance, "重新开放")
    staff = UserFactory(is_staff=True, password=UNUSABLE)
    with time_machine.travel(at(5), tick=False):
        lock_period(team.period, staff, "最终锁定", channel=Channel.ADMIN)
    assert events(team.period) == [
        ("lock", None, REASON, team.finance, Channel.PAGE),
        ("unlock_unit", team.unit.code, "迟报更正", team.finance, Channel.PAGE),
        ("relock_unit", team.unit.code, "更正完成", team.finance, Channel.PAGE),
        ("unlock", None, "重新开放", team.finance, Channel.PAGE),
        ("lock", None, "最终锁定", staff, Channel.ADMIN),
    ]
    newest_first = lock_events(team.period)
    assert [e.action for e in newest_first] == ["lock", "unlock", "relock_unit", "unlock_unit",
                                                "lock"]
    assert [e.at for e in newest_first] == [at(5), at(4), at(3), at(2), at(1)]


def test_events_at_the_same_moment_keep_their_order(team):
    with time_machine.travel(LOCKED_AT, tick=False):
        lock_period(team.period, team.finance, REASON)
        unlock_unit(team.period, team.unit, team.finance, "迟报更正")
        relock_unit(team.period, team.unit, team.finance)
    assert [e.action for e in lock_events(team.period)] == ["relock_unit", "unlock_unit", "lock"]


def test_refusals_leave_no_event(team):
    for attempt in (lambda: unlock_period(team.period, team.finance, "x"),
                    lambda: unlock_unit(team.period, team.unit, team.finance, "x"),
                    lambda: relock_unit(team.period, team.unit, team.finance),
                    lambda: lock_period(team.period, team.filler, "x")):
        with pytest.raises(PeriodRefused):
            attempt()
    assert not PeriodLockEvent.objects.exists()


def test_unit_unlocks_are_listed_by_unit_code(team):
    lock(team.period, team.finance)
    late = UnitFactory(code="000001")
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    unlock_unit(team.period, late, team.finance, "补报")
    assert [u.unit for u in unit_unlocks(team.period)] == [late, team.unit]


# ---------------------------------------------------------------- reading the period


def test_period_for_write_reads_a_lock_made_through_another_instance(team):
    elsewhere = reload(team.period)
    lock(elsewhere, team.finance)
    assert not team.period.is_locked  # this instance was read before the lock
    with transaction.atomic():
        by_instance = period_for_write(team.period)
        by_id = period_for_write(team.period.pk)
    for period in (by_instance, by_id):
        assert period.is_locked and period.lock_reason == REASON
        assert period.locked_by == team.finance and period.locked_at == LOCKED_AT


def test_period_for_write_reads_an_unlock_made_through_another_instance(team):
    lock(team.period, team.finance)
    unlock_period(reload(team.period), team.finance, "重新开放")
    assert team.period.is_locked  # stale
    with transaction.atomic():
        assert period_for_write(team.period).status == PeriodStatus.OPEN


def test_a_write_through_a_stale_open_instance_is_refused_after_a_lock(team):
    stale = reload(team.period)
    lock(team.period, team.finance)
    with pytest.raises(EntryRefused, match=REASON):
        save_entries(team.project, stale, team.filler,
                     {team.indicators[0].id: Entry(None, {"actual_value": Decimal(80),
                                                          "explanation": ""})})
    assert not IndicatorRecord.objects.exists()


def test_period_for_write_of_a_missing_period_raises_does_not_exist(team):
    with transaction.atomic(), pytest.raises(ReportingPeriod.DoesNotExist):
        period_for_write(team.period.pk + 1000)


# ---------------------------------------------------------------- reminders


REMINDER_DEADLINE = datetime.date(2025, 8, 20)
BEFORE_DEADLINE = datetime.datetime(2025, 8, 17, 9, 0, tzinfo=SHANGHAI)  # the before-3 step
AFTER_DEADLINE = datetime.datetime(2025, 8, 22, 9, 0, tzinfo=SHANGHAI)  # overdue + summary


def reminder_scenario():
    """As tests/test_reminders_service.py builds it: a monitoring period with a deadline, a
    unit whose project is not submitted, its filler with an e-mail; and finance staff."""
    period = PeriodFactory(code="2025-07", name="2025年1–7月绩效监控", kind="monitoring",
                           cutoff_month=7, deadline=REMINDER_DEADLINE)
    unit = UnitFactory(code="900001", name="单位900001")
    project = ProjectFactory(unit=unit, name="项目900001")
    IndicatorFactory(project=project)
    filler = UserFactory(username="alice", email="alice@example.com", password=UNUSABLE)
    MembershipFactory(user=filler, unit=unit, role=Role.FILLER)
    finance = UserFactory(username="wang", email="wang@example.com", first_name="王财政",
                          password=UNUSABLE)
    MembershipFactory(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    return period, unit, finance


def scan_and_deliver(now):
    with time_machine.travel(now, tick=False):
        result = service.scan(now)
        for message in result.messages:
            delivery.deliver(message.log_ids, message.attempt)
    return result


@pytest.mark.parametrize("now", [BEFORE_DEADLINE, AFTER_DEADLINE])
def test_the_reminder_scan_sends_nothing_for_a_locked_period(now):
    period, _, finance = reminder_scenario()
    lock(period, finance, "监控数据已汇总", at=datetime.datetime(2025, 8, 1, 9, tzinfo=SHANGHAI))

    result = scan_and_deliver(now)

    assert result.messages == [] and mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_unit_unlock_does_not_restart_reminders_and_an_unlock_does():
    period, unit, finance = reminder_scenario()
    lock(period, finance, "监控数据已汇总", at=datetime.datetime(2025, 8, 1, 9, tzinfo=SHANGHAI))
    unlock_unit(period, unit, finance, "迟报更正")
    assert scan_and_deliver(BEFORE_DEADLINE).messages == [] and mail.outbox == []

    unlock_period(period, finance, "重新开放")
    result = scan_and_deliver(BEFORE_DEADLINE)
    assert [m.step for m in result.new] == ["before-3"]
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
