"""Locking a reporting period, unlocking it, and opening a locked period for one unit (a late
correction), each with a reason and a PeriodLockEvent (docs/workflow.md, "Periods").

Writes of values read their period with `period_for_write`, a share lock on its row (on
PostgreSQL), and every lock action updates that row: a lock waits for the writes in flight to
commit and every later write sees it. SQLite runs one writer at a time, which gives the same.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import SecurityEventKind, record
from performance.access import period_capacities
from performance.models import PeriodLockEvent, PeriodUnitUnlock, ReportingPeriod
from performance.workflow import Action, Channel, PeriodState, PeriodStatus, period_refusal

from .record_fields import who


class PeriodRefused(Exception):
    """The lock action is not possible (who, state, missing reason): one message."""


def period_for_write(period_or_id) -> ReportingPeriod:
    """The period as stored now, its row share-locked until the transaction ends (PostgreSQL):
    it cannot be locked or unlocked meanwhile. Call inside transaction.atomic."""
    pk = getattr(period_or_id, "pk", period_or_id)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ReportingPeriod._meta.db_table)
        found = list(ReportingPeriod.objects.raw(
            f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [pk]))
        if not found:
            raise ReportingPeriod.DoesNotExist(pk)
        return found[0]
    return ReportingPeriod.objects.get(pk=pk)


def unit_states(period, unit_ids) -> dict[int, PeriodState]:
    """unit id → the period's state for that unit (one query when the period is locked)."""
    unit_ids = set(unit_ids)
    if not period.is_locked:
        return dict.fromkeys(unit_ids, PeriodState.OPEN)
    opened = set(PeriodUnitUnlock.objects.filter(period=period, unit_id__in=unit_ids)
                 .values_list("unit_id", flat=True)) if unit_ids else set()
    return {u: PeriodState.UNIT_OPEN if u in opened else PeriodState.LOCKED for u in unit_ids}


def unit_state(period, unit_id: int) -> PeriodState:
    """The period's state for one unit (a query only when the period is locked)."""
    if not period.is_locked:
        return PeriodState.OPEN
    return unit_states(period, [unit_id])[unit_id]


def period_state(period) -> PeriodState:
    """The period's state as a whole (ignoring units opened one by one)."""
    return PeriodState.LOCKED if period.is_locked else PeriodState.OPEN


def open_for_any(period, units=None) -> bool:
    """Whether anything may be written in `period`: it is open, or opened for one of `units`
    (Unit objects or ids; None: any unit)."""
    if not period.is_locked:
        return True
    unlocks = PeriodUnitUnlock.objects.filter(period=period)
    if units is not None:
        unlocks = unlocks.filter(unit__in=list(units))
    return unlocks.exists()


def lock_text(period, state: PeriodState | None = None) -> str:
    """What a person reads when the period is locked for them."""
    when = timezone.localtime(period.locked_at).strftime("%Y-%m-%d %H:%M") if period.locked_at else ""
    reason = f"（原因：{period.lock_reason}）" if period.lock_reason else ""
    return (f"填报期间“{period.name}”已于 {when} 由 {who(period.locked_by)} 锁定{reason}，"
            "所有人只能查看。")


# ---------------------------------------------------------------- the four lock actions


def lock_period(period, user, reason: str, *, channel: str = Channel.PAGE) -> ReportingPeriod:
    """填报中 → 已锁定 for every unit (per-unit unlocks end). Returns the period as saved."""
    return _whole(Action.LOCK, period, user, reason, channel)


def unlock_period(period, user, reason: str, *, channel: str = Channel.PAGE) -> ReportingPeriod:
    """已锁定 → 填报中 for every unit (per-unit unlocks end). Returns the period as saved."""
    return _whole(Action.UNLOCK, period, user, reason, channel)


def _whole(action: Action, period, user, reason: str, channel: str) -> ReportingPeriod:
    with transaction.atomic():
        period = _locked_row(period)
        _check(action, period_state(period), user, reason, channel)
        now = timezone.now()
        PeriodUnitUnlock.objects.filter(period=period).delete()
        if action == Action.LOCK:
            _save(period, now, status=PeriodStatus.LOCKED, locked_at=now, locked_by=user,
                  lock_reason=reason.strip())
        else:
            _save(period, now, status=PeriodStatus.OPEN, locked_at=None, locked_by=None,
                  lock_reason="")
        _event(period, None, action, reason, user, now, channel)
    return period


def unlock_unit(period, unit, user, reason: str, *, channel: str = Channel.PAGE) -> PeriodUnitUnlock:
    """Open a locked period for `unit` only, until relock_unit or the next lock/unlock."""
    with transaction.atomic():
        period = _locked_row(period)
        _check(Action.UNLOCK_UNIT, unit_state(period, unit.pk), user, reason, channel)
        now = timezone.now()
        unlock = PeriodUnitUnlock.objects.create(period=period, unit=unit, reason=reason.strip(),
                                                 unlocked_by=user, unlocked_at=now)
        _save(period, now)
        _event(period, unit, Action.UNLOCK_UNIT, reason, user, now, channel)
    return unlock


def relock_unit(period, unit, user, reason: str = "", *, channel: str = Channel.PAGE) -> None:
    """Close the late-correction window of `unit`: the period is locked for it again."""
    with transaction.atomic():
        period = _locked_row(period)
        _check(Action.RELOCK_UNIT, unit_state(period, unit.pk), user, reason, channel)
        now = timezone.now()
        PeriodUnitUnlock.objects.filter(period=period, unit=unit).delete()
        _save(period, now)
        _event(period, unit, Action.RELOCK_UNIT, reason, user, now, channel)


def lock_events(period, limit: int = 50) -> list[PeriodLockEvent]:
    return list(PeriodLockEvent.objects.filter(period=period).select_related("unit", "by")
                .order_by("-at", "-id")[:limit])


def unit_unlocks(period) -> list[PeriodUnitUnlock]:
    return list(PeriodUnitUnlock.objects.filter(period=period).select_related("unit", "unlocked_by")
                .order_by("unit__code"))


def _locked_row(period) -> ReportingPeriod:
    return (ReportingPeriod.objects.select_for_update(of=("self",)).select_related("locked_by")
            .get(pk=getattr(period, "pk", period)))


def _check(action, state, user, reason, channel) -> None:
    refusal = period_refusal(action, state, period_capacities(user, channel), reason=reason)
    if refusal:
        raise PeriodRefused(refusal)


def _save(period, now, **fields) -> None:
    for name, value in fields.items():
        setattr(period, name, value)
    period.lock_changed_at = now
    period.save(update_fields=[*fields, "lock_changed_at"])


# The security audit log (docs/security.md) has a lock for LOCK and RELOCK_UNIT, an unlock
# for UNLOCK and UNLOCK_UNIT.
_AUDIT_KINDS = {Action.LOCK: SecurityEventKind.PERIOD_LOCK,
                Action.RELOCK_UNIT: SecurityEventKind.PERIOD_LOCK,
                Action.UNLOCK: SecurityEventKind.PERIOD_UNLOCK,
                Action.UNLOCK_UNIT: SecurityEventKind.PERIOD_UNLOCK}


def _event(period, unit, action, reason, user, now, channel) -> None:
    reason = (reason or "").strip()
    PeriodLockEvent.objects.create(period=period, unit=unit, action=action, reason=reason,
                                   by=user, at=now, channel=channel)
    target = f"{period.code} {period.name}" + (f" · {unit.code} {unit.name}" if unit else "")
    record(_AUDIT_KINDS[action], user=user, target=target,
           detail=f"{Action(action).label}（{Channel(channel).label}）"
           + (f"：{reason}" if reason else ""))
