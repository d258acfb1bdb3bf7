"""Reporting periods (in-year monitoring and year-end self-evaluation), their locks, the units
a locked period is opened again for, and every lock event (docs/workflow.md)."""

from django.db import models
from django.db.models import Q

from budget.fields import user_stamp
from budget.models import Unit
from performance.workflow import Action, Channel, PeriodStatus


class PeriodKind(models.TextChoices):
    MONITORING = "monitoring", "绩效运行监控"
    SELF_EVALUATION = "self_evaluation", "绩效自评"


class ReportingPeriod(models.Model):
    """A round of reporting: in-year monitoring (e.g. 2025-07) or self-evaluation (2025-final).

    Locked and unlocked only by performance.services.period_lock, which keeps the reason and a
    PeriodLockEvent; every write of values reads the period under a share lock, so a lock
    takes effect for the next write."""

    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("代码", max_length=20, unique=True, help_text="如 2025-07、2025-final")
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=PeriodKind.choices)
    cutoff_month = models.PositiveSmallIntegerField("截止月份", help_text="数据截至该月末，1–12")
    deadline = models.DateField("填报截止日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_by = user_stamp("锁定人")
    lock_reason = models.TextField("锁定原因", blank=True)
    # moved by every lock, unlock and per-unit unlock: pages cached under it show the change
    lock_changed_at = models.DateTimeField("锁定状态变更时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "填报期间"
        ordering = ["-year", "cutoff_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cutoff_month__gte=1, cutoff_month__lte=12),
                name="period_cutoff_month_1_to_12",
                violation_error_message="截止月份应在 1 到 12 之间。",
            ),
            models.CheckConstraint(
                condition=Q(kind=PeriodKind.MONITORING) | Q(cutoff_month=12),
                name="self_evaluation_covers_whole_year",
                violation_error_message="绩效自评期间的截止月份应为 12 月。",
            ),
            models.CheckConstraint(
                condition=Q(status=PeriodStatus.OPEN) | Q(locked_at__isnull=False),
                name="locked_period_has_lock_time",
                violation_error_message="锁定的期间须记录锁定时间。",
            ),
            models.CheckConstraint(
                condition=Q(status=PeriodStatus.OPEN) | ~Q(lock_reason=""),
                name="locked_period_has_reason",
                violation_error_message="锁定期间须填写锁定原因。",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_locked(self) -> bool:
        """Locked for the period as a whole (a unit may still be opened: see period_lock)."""
        return self.status == PeriodStatus.LOCKED

    @property
    def is_monitoring(self) -> bool:
        return self.kind == PeriodKind.MONITORING


class PeriodUnitUnlock(models.Model):
    """A locked period opened again for one unit (a late correction), until relocked."""

    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.CASCADE,
                               related_name="unit_unlocks")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                             related_name="period_unlocks")
    reason = models.TextField("解锁原因")
    unlocked_by = user_stamp("解锁人")
    unlocked_at = models.DateTimeField("解锁时间")

    class Meta:
        verbose_name = verbose_name_plural = "单位解锁"
        ordering = ["period", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_unlock_per_period_and_unit",
                                    violation_error_message="该单位在本期间已解锁。"),
            models.CheckConstraint(condition=~Q(reason=""), name="unit_unlock_has_reason",
                                   violation_error_message="为单位解锁须填写原因。"),
        ]

    def __str__(self):
        return f"{self.period.code} · {self.unit}"


LOCK_ACTIONS = [(a.value, a.label) for a in
                (Action.LOCK, Action.UNLOCK, Action.UNLOCK_UNIT, Action.RELOCK_UNIT)]


class PeriodLockEvent(models.Model):
    """One lock, unlock, per-unit unlock or relock of a period, with who, when and why."""

    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.CASCADE,
                               related_name="lock_events")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+", help_text="为单位解锁、重新锁定时")
    action = models.CharField("操作", max_length=12, choices=LOCK_ACTIONS)
    reason = models.TextField("原因", blank=True)
    by = user_stamp("操作人")
    at = models.DateTimeField("时间")
    channel = models.CharField("途径", max_length=10, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "期间锁定记录"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["period", "at"], name="lock_event_period_at")]

    def __str__(self):
        return f"{self.period.code} {self.get_action_display()}"
