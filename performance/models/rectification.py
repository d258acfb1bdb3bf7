"""问题整改: a problem found in monitoring or in a 复核, or raised by hand, followed until finance
confirms it is fixed (docs/rectification.md). Written only by the rectification services."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from budget.fields import user_stamp
from budget.models import Project, Unit

from .periods import ReportingPeriod
from .records import ChannelHistory
from .targets import Indicator


class RectificationSource(models.TextChoices):
    RED_LIGHT = "red_light", "监控红灯"
    IMPOSSIBLE = "impossible", "完成可能性为完全不可能"
    CHECK_DEDUCTION = "check_deduction", "复核扣分"
    MANUAL = "manual", "手工登记"


class RectificationStatus(models.TextChoices):
    PENDING = "pending", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    DONE = "done", "已整改"
    CONFIRMED = "confirmed", "已确认"


class WarningResponse(models.TextChoices):
    """How a unit responds to a monitoring warning (双监控的纠偏方式)."""

    CONTINUE = "continue", "继续执行"
    ADJUST = "adjust", "调剂"
    CANCEL = "cancel", "取消"


class Rectification(models.Model):
    unit = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT,
                             related_name="rectifications")
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="rectifications")
    period = models.ForeignKey(ReportingPeriod, verbose_name="发现期间", on_delete=models.PROTECT,
                               related_name="rectifications")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  null=True, blank=True, related_name="rectifications")
    source = models.CharField("来源", max_length=20, choices=RectificationSource.choices)
    source_key = models.CharField("来源标识", max_length=100, blank=True,
                                  help_text="自动登记的来源（期间、指标），同一来源只登记一次")
    problem = models.TextField("问题")
    required_action = models.TextField("整改要求")
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=12, choices=RectificationStatus.choices,
                              default=RectificationStatus.PENDING)
    response = models.CharField("应对方式", max_length=10, choices=WarningResponse.choices,
                                blank=True)
    response_deadline = models.DateField("应对方式选择期限", null=True, blank=True)
    response_note = models.TextField("应对说明", blank=True)
    responded_by = user_stamp("选择人")
    responded_at = models.DateTimeField("选择时间", null=True, blank=True)
    progress = models.TextField("整改情况", blank=True)
    done_by = user_stamp("报送人")
    done_at = models.DateTimeField("报送整改完成时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    confirmed_by = user_stamp("确认人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    raised_by = user_stamp("登记人")
    raised_at = models.DateTimeField("登记时间")
    updated_by = user_stamp("更新人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=0)

    history = HistoricalRecords(verbose_name="整改事项变更历史", bases=[ChannelHistory])

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_status_due"),
                   models.Index(fields=["unit", "status"], name="rectification_unit_status")]
        constraints = [
            models.UniqueConstraint(fields=["source_key"], condition=~Q(source_key=""),
                                    name="rectification_raised_once_per_source",
                                    violation_error_message="该问题已登记整改。"),
            models.CheckConstraint(condition=~Q(problem="") & ~Q(required_action=""),
                                   name="rectification_has_problem_and_action",
                                   violation_error_message="须填写问题和整改要求。"),
            models.CheckConstraint(
                condition=~Q(status=RectificationStatus.CONFIRMED) | Q(confirmed_at__isnull=False),
                name="confirmed_rectification_has_time",
                violation_error_message="已确认的整改事项须记录确认时间。"),
            models.CheckConstraint(
                condition=~Q(status__in=[RectificationStatus.DONE, RectificationStatus.CONFIRMED])
                | ~Q(progress=""),
                name="done_rectification_has_progress",
                violation_error_message="报送整改完成须填写整改情况。"),
            models.CheckConstraint(condition=Q(source=RectificationSource.MANUAL)
                                   | ~Q(source_key=""),
                                   name="raised_rectification_has_source_key",
                                   violation_error_message="自动登记的整改事项须记录来源。"),
        ]

    def __str__(self):
        return f"{self.project} · {self.problem[:30]}"
