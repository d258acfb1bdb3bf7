"""What units report for each indicator and project in a period."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from budget.fields import user_stamp
from budget.models import MONEY, Project
from performance.domain import Grade, Light, Likelihood, choices
from performance.workflow import Channel, WorkflowStatus

from .periods import ReportingPeriod
from .targets import VALUE, Indicator


class ChannelHistory(models.Model):
    """What every history row of a record keeps besides the values: the way the change came
    (页面, Excel 上传, 管理后台, 命令行), written by performance.services.values."""

    history_channel = models.CharField("途径", max_length=10, choices=Channel.choices,
                                       blank=True)

    class Meta:
        abstract = True


class IndicatorRecord(models.Model):
    """What a unit reports for one indicator in one period."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="records"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT, related_name="indicator_records"
    )
    actual_value = models.DecimalField("完成值", null=True, blank=True, **VALUE)
    actual_grade = models.CharField("完成等级", max_length=2, choices=choices(Grade), blank=True)
    expected_value = models.DecimalField("全年预计完成值", null=True, blank=True, **VALUE)
    expected_grade = models.CharField(
        "全年预计完成等级", max_length=2, choices=choices(Grade), blank=True
    )
    likelihood = models.CharField(
        "完成可能性", max_length=6, choices=choices(Likelihood), blank=True
    )
    deviation_reasons = models.JSONField("偏差原因", default=list, blank=True)
    corrective_measures = models.TextField("纠偏措施", blank=True)
    explanation = models.TextField("未完成原因及说明", blank=True)
    deduction = models.DecimalField("扣减分", max_digits=6, decimal_places=2, default=0)
    deduction_note = models.CharField("扣减说明", max_length=200, blank=True)
    light = models.CharField("监控灯", max_length=10, choices=choices(Light), blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = user_stamp("更新人")
    version = models.PositiveIntegerField("版本", default=0)

    history = HistoricalRecords(verbose_name="指标填报记录变更历史", excluded_fields=["light"],
                                bases=[ChannelHistory])

    class Meta:
        verbose_name = verbose_name_plural = "指标填报记录"
        ordering = ["indicator__project", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"],
                name="one_record_per_indicator_and_period",
                violation_error_message="该指标在本期间已有填报记录。",
            ),
            models.CheckConstraint(
                condition=Q(actual_value__isnull=True) | Q(actual_grade=""),
                name="record_actual_is_number_or_grade",
                violation_error_message="完成值只能填写数字或等级之一。",
            ),
            models.CheckConstraint(
                condition=Q(expected_value__isnull=True) | Q(expected_grade=""),
                name="record_expected_is_number_or_grade",
                violation_error_message="全年预计完成值只能填写数字或等级之一。",
            ),
            models.CheckConstraint(
                condition=Q(deduction__gte=0),
                name="record_deduction_not_negative",
                violation_error_message="扣减分不能为负数。",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} @ {self.period.code}"


class ProjectRecord(models.Model):
    """What a unit reports for one project in one period: money spent and the workflow state."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="records"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT, related_name="project_records"
    )
    spent = models.DecimalField("预算执行数（万元）", null=True, blank=True, **MONEY)
    spent_reason = models.TextField("执行率偏低原因", blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = user_stamp("提交人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = user_stamp("审核人")
    return_reason = models.TextField("退回原因", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = user_stamp("更新人")
    version = models.PositiveIntegerField("版本", default=0)

    # A snapshot of what the scoring and monitoring services computed from this period's
    # values, refreshed by performance.services.snapshot whenever they change, so that lists
    # of thousands of projects filter and sort in SQL.
    score_total = models.DecimalField("当前得分", max_digits=6, decimal_places=2, null=True, blank=True)
    score_grade = models.CharField("等级", max_length=2, choices=choices(Grade), blank=True)
    projected_total = models.DecimalField(
        "预计全年得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    light = models.CharField("监控灯", max_length=10, choices=choices(Light), blank=True)
    execution_light = models.CharField("执行灯", max_length=10, choices=choices(Light), blank=True)
    indicators_missing = models.PositiveIntegerField("未填指标数", default=0)
    has_values = models.BooleanField("已填报", default=False,
                                     help_text="任一指标或预算执行数已填写；否则显示为“未填报”")
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)

    history = HistoricalRecords(
        verbose_name="项目填报记录变更历史",
        excluded_fields=["score_total", "score_grade", "projected_total", "light",
                         "execution_light", "indicators_missing", "has_values", "computed_at"],
        bases=[ChannelHistory],
    )

    class Meta:
        verbose_name = verbose_name_plural = "项目填报记录"
        ordering = ["project__unit__code", "project_id", "period"]
        # the latest change of a period is one index seek (page_cache.listing_version)
        indexes = [
            models.Index(fields=["period", "updated_at"], name="record_period_updated"),
            models.Index(fields=["period", "computed_at"], name="record_period_computed"),
            # the review queues ask "which records of open periods await my review" by status;
            # at 60,000 projects (bench/pages.py --scale 10) a scan of every record was most of
            # a cold home page
            models.Index(fields=["status", "period"], name="record_status_period"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"],
                name="one_record_per_project_and_period",
                violation_error_message="该项目在本期间已有填报记录。",
            ),
            models.CheckConstraint(
                condition=Q(spent__isnull=True) | Q(spent__gte=0),
                name="project_record_spent_not_negative",
                violation_error_message="预算执行数不能为负数。",
            ),
            models.CheckConstraint(
                condition=~Q(status=WorkflowStatus.RETURNED) | ~Q(return_reason=""),
                name="returned_record_has_reason",
                violation_error_message="退回时须填写退回原因。",
            ),
        ]

    def __str__(self):
        return f"{self.project} @ {self.period.code}"
