"""Reporting periods: in-year monitoring and year-end self-evaluation."""

from django.db import models
from django.db.models import Q

from budget.fields import user_stamp


class PeriodKind(models.TextChoices):
    MONITORING = "monitoring", "绩效运行监控"
    SELF_EVALUATION = "self_evaluation", "绩效自评"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "填报中"
    LOCKED = "locked", "已锁定"


class ReportingPeriod(models.Model):
    """A round of reporting: in-year monitoring (e.g. 2025-07) or self-evaluation (2025-final)."""

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
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_locked(self) -> bool:
        return self.status == PeriodStatus.LOCKED

    @property
    def is_monitoring(self) -> bool:
        return self.kind == PeriodKind.MONITORING
