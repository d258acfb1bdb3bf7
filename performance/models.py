"""Targets (表13), reporting periods, and the values entered for each period."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from budget.models import MONEY, Project

from .domain import Direction, Grade, Likelihood, Operator, choices

VALUE = {"max_digits": 18, "decimal_places": 4}
GRADES = [grade.value for grade in Grade]


class IndicatorLevel1(models.Model):
    """一级指标 (产出/成本/效益/满意度指标), a reference table editable in the admin."""

    name = models.CharField("一级指标", max_length=30, unique=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "一级指标"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class IndicatorLevel2Manager(models.Manager):
    def get_queryset(self):
        # Its name is shown with its 一级指标 everywhere (admin filters, selects, lists).
        return super().get_queryset().select_related("level1")


class IndicatorLevel2(models.Model):
    """二级指标 under a 一级指标; local variants are added in the admin."""

    level1 = models.ForeignKey(
        IndicatorLevel1, verbose_name="一级指标", on_delete=models.PROTECT, related_name="level2s"
    )
    name = models.CharField("二级指标", max_length=30)
    position = models.PositiveSmallIntegerField("顺序", default=0)

    objects = IndicatorLevel2Manager()

    class Meta:
        verbose_name = verbose_name_plural = "二级指标"
        ordering = ["level1__position", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["level1", "name"],
                name="level2_unique_under_level1",
                violation_error_message="该一级指标下已有同名二级指标。",
            )
        ]

    def __str__(self):
        return f"{self.level1.name} / {self.name}"


class AnnualGoal(models.Model):
    """年度目标 of a project, as filed with its targets."""

    project = models.OneToOneField(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="goal"
    )
    text = models.TextField("年度目标")

    class Meta:
        verbose_name = verbose_name_plural = "年度目标"

    def __str__(self):
        return self.text[:40]


class Indicator(models.Model):
    """三级指标: one row of 表13."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="indicators"
    )
    level1 = models.ForeignKey(IndicatorLevel1, verbose_name="一级指标", on_delete=models.PROTECT)
    level2 = models.ForeignKey(IndicatorLevel2, verbose_name="二级指标", on_delete=models.PROTECT)
    name = models.CharField("三级指标", max_length=100)
    operator = models.CharField("指标性质", max_length=4, choices=choices(Operator))
    target_value = models.DecimalField("指标值", null=True, blank=True, **VALUE)
    target_grade = models.CharField(
        "指标值（等级）", max_length=2, choices=choices(Grade), blank=True
    )
    unit = models.CharField("度量单位", max_length=30, blank=True)
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2)
    direction = models.CharField("指标方向性", max_length=4, choices=choices(Direction))
    position = models.PositiveIntegerField("顺序", default=0)
    source_row = models.PositiveIntegerField("来源行号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效指标"
        ordering = ["project", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="indicator_weight_positive",
                violation_error_message="权重必须大于 0。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(operator=Operator.QUALITATIVE, target_value__isnull=True, target_grade__in=GRADES)
                    | (
                        ~Q(operator=Operator.QUALITATIVE)
                        & Q(target_value__isnull=False, target_grade="")
                    )
                ),
                name="indicator_target_matches_operator",
                violation_error_message="定性指标的指标值应为等级（优/良/中/差），其他指标的指标值应为数字。",
            ),
            models.UniqueConstraint(
                fields=["project", "name"],
                name="indicator_name_unique_in_project",
                violation_error_message="同一项目中已有同名三级指标。",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def target_display(self) -> str:
        if self.operator == Operator.QUALITATIVE:
            return self.target_grade
        return format_decimal(self.target_value)


def format_decimal(value) -> str:
    """7600.0000 → "7600", 23.3300 → "23.33": the way 表13 prints numbers."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


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
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="锁定人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    APPROVED = "approved", "已审核"
    RETURNED = "returned", "已退回"


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
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=0)

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
        "状态", max_length=10, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "项目填报记录"
        ordering = ["project__unit__code", "project_id", "period"]
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


# ---------------------------------------------------------------- target review (绩效目标审核)


class FindingDecision(models.Model):
    """A finance reviewer accepted one finding of the target review: it no longer shows as open.

    The finding is identified by its stable key (performance.review.findings.Finding.key):
    rule code, unit, year, project and indicator, and for a finding on a budget table what it
    is about. The key is what is looked up; the other fields say the same for people.
    """

    key = models.CharField("审核问题标识", max_length=500, unique=True)
    rule = models.CharField("规则", max_length=50)
    unit = models.ForeignKey(
        "budget.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="finding_decisions"
    )
    year = models.PositiveSmallIntegerField("年度")
    project = models.ForeignKey(
        Project,
        verbose_name="项目",
        on_delete=models.CASCADE,
        related_name="finding_decisions",
        null=True,
        blank=True,
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="指标",
        on_delete=models.CASCADE,
        related_name="finding_decisions",
        null=True,
        blank=True,
    )
    message = models.TextField("审核问题（接受时）", blank=True)
    note = models.TextField("接受说明")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "审核问题处理"
        ordering = ["unit__code", "year", "rule", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note=""),
                name="finding_decision_has_note",
                violation_error_message="接受审核问题时须填写说明。",
            ),
            models.CheckConstraint(
                condition=Q(indicator__isnull=True) | Q(project__isnull=False),
                name="finding_decision_indicator_has_project",
                violation_error_message="指定指标时须同时指定其项目。",
            ),
        ]

    def __str__(self):
        return f"{self.key} · 已接受"


class TargetReviewResult(models.TextChoices):
    PASSED = "passed", "通过"
    PASSED_AFTER_CHANGES = "passed_after_changes", "修改后通过"
    REJECTED = "rejected", "不通过"


class ProjectReview(models.Model):
    """The finance bureau's conclusion on a project's targets: one per project."""

    project = models.OneToOneField(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="target_review"
    )
    result = models.CharField("审核结果", max_length=20, choices=TargetReviewResult.choices)
    note = models.TextField("审核意见", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目目标审核结果"
        ordering = ["project__unit__code", "project__year", "project_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=TargetReviewResult.values),
                name="project_review_result_valid",
                violation_error_message="审核结果应为通过、修改后通过或不通过。",
            ),
            models.CheckConstraint(
                condition=Q(result=TargetReviewResult.PASSED) | ~Q(note=""),
                name="project_review_note_unless_passed",
                violation_error_message="修改后通过或不通过时须填写审核意见。",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_result_display()}"


class ImportKind(models.TextChoices):
    TARGETS = "targets", "表13 绩效目标"
    ACTUALS = "actuals", "完成值（自评表/监控表）"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """An Excel import started in the web: run now or by a Celery task, its outcome kept.

    A dry run (预览) first; confirming it runs the same job again for real."""

    file = models.FileField("文件", upload_to="imports/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    kind = models.CharField("类型", max_length=10, choices=ImportKind.choices)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True, help_text="表13 导入")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name="填报期间", on_delete=models.PROTECT, null=True, blank=True,
        related_name="import_jobs", help_text="完成值导入",
    )
    replace = models.BooleanField("删除文件中没有的指标", default=False)
    unit_codes = models.JSONField("限定单位", null=True, blank=True, default=None,
                                  help_text="只允许这些单位（代码）的行；为空（null）时不限")
    dry_run = models.BooleanField("试运行（预览）", default=True)
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    errors = models.JSONField("问题", default=list, blank=True)
    summary = models.TextField("结果", blank=True)
    notes = models.JSONField("提示", default=list, blank=True,
                             help_text="文件中缺少的指标、目标审核发现等")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导入任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=ImportKind.TARGETS, year__isnull=False)
                           | Q(kind=ImportKind.ACTUALS, period__isnull=False)),
                name="import_job_has_year_or_period",
                violation_error_message="表13 导入须指定年度；完成值导入须指定填报期间。",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="import_job_progress_at_most_100",
                violation_error_message="进度不能超过 100%。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.original_name} · {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
