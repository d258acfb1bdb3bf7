"""Versions of a project's targets: 年初批复, 绩效目标调整 and 年中追加, each approved through
the chain of performance.chain, with every step kept (docs/adjustments.md)."""

from django.db import models
from django.db.models import Q

from budget.fields import user_stamp
from budget.models import MONEY, Project
from performance.chain import OPEN, ChainAction, Level, VersionStatus
from performance.domain import Direction, Grade, Operator, choices
from performance.workflow import Channel

from .targets import GRADES, VALUE, Indicator, IndicatorLevel1, IndicatorLevel2, format_decimal


class VersionKind(models.TextChoices):
    INITIAL = "initial", "年初批复"
    ADJUSTMENT = "adjustment", "绩效目标调整"
    MIDYEAR = "midyear", "年中追加"


class TargetVersion(models.Model):
    """One version of a project's targets: its budget, its 年度目标 and its indicators
    (IndicatorTarget rows). Version 1 is the approved 表13 (年初批复), kept from the moment the
    first adjustment is proposed; until then the project's Indicator rows are version 1."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="target_versions")
    number = models.PositiveSmallIntegerField("版本号")
    kind = models.CharField("类型", max_length=12, choices=VersionKind.choices)
    status = models.CharField("状态", max_length=14, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    based_on = models.ForeignKey("self", verbose_name="调整前版本", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    effective_from = models.DateField("生效日期", null=True, blank=True,
                                      help_text="批复后自该日起适用；截止日在此之前的期间仍按原目标计分")
    budget_amount = models.DecimalField("预算数（万元）", **MONEY)
    adjusted_amount = models.DecimalField("调整后预算数（万元）", null=True, blank=True, **MONEY)
    budget_reason = models.TextField("预算调整原因", blank=True)
    goal = models.TextField("年度目标", blank=True)
    reason = models.TextField("调整原因", blank=True)
    department_tier = models.BooleanField("经主管部门审核", default=False,
                                          help_text="提交时确定：该单位的主管部门有审核人且已启用主管部门审核")
    channel = models.CharField("途径", max_length=10, choices=Channel.choices, blank=True)
    created_by = user_stamp("申请人")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_by = user_stamp("批复人")
    decided_at = models.DateTimeField("批复时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "绩效目标版本"
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="target_version_number_unique",
                                    violation_error_message="该项目已有此版本号。"),
            models.UniqueConstraint(fields=["project"], condition=Q(status__in=sorted(OPEN)),
                                    name="one_open_target_proposal_per_project",
                                    violation_error_message="该项目已有一份未办结的调整申请。"),
            models.CheckConstraint(condition=~Q(status=VersionStatus.APPROVED)
                                   | Q(effective_from__isnull=False),
                                   name="approved_target_version_has_effective_date",
                                   violation_error_message="已批复的版本须有生效日期。"),
            models.CheckConstraint(condition=Q(kind=VersionKind.INITIAL) | ~Q(reason=""),
                                   name="target_adjustment_has_reason",
                                   violation_error_message="调整申请须填写调整原因。"),
            models.CheckConstraint(condition=Q(budget_amount__gte=0)
                                   & (Q(adjusted_amount__isnull=True) | Q(adjusted_amount__gte=0)),
                                   name="target_version_budget_not_negative",
                                   violation_error_message="预算数不能为负数。"),
        ]

    def __str__(self):
        return f"{self.project} 第{self.number}版（{self.get_kind_display()}）"

    @property
    def label(self) -> str:
        return f"第{self.number}版（{self.get_kind_display()}）"

    @property
    def effective_budget(self):
        return self.budget_amount if self.adjusted_amount is None else self.adjusted_amount


class RowChange(models.TextChoices):
    UNCHANGED = "unchanged", "未调整"
    CHANGED = "changed", "调整"
    ADDED = "added", "新增"
    REMOVED = "removed", "删除"


class IndicatorTarget(models.Model):
    """One indicator as a version sets it (a removed one is kept, marked, for the diff and its
    reason). `indicator` is empty only for an indicator a proposal adds, until it is approved."""

    version = models.ForeignKey(TargetVersion, verbose_name="版本", on_delete=models.CASCADE,
                                related_name="rows")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  null=True, blank=True, related_name="versions")
    change = models.CharField("调整情况", max_length=10, choices=RowChange.choices,
                              default=RowChange.UNCHANGED)
    level1 = models.ForeignKey(IndicatorLevel1, verbose_name="一级指标", on_delete=models.PROTECT,
                               related_name="+")
    level2 = models.ForeignKey(IndicatorLevel2, verbose_name="二级指标", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("三级指标", max_length=100)
    operator = models.CharField("指标性质", max_length=4, choices=choices(Operator))
    target_value = models.DecimalField("指标值", null=True, blank=True, **VALUE)
    target_grade = models.CharField("指标值（等级）", max_length=2, choices=choices(Grade),
                                    blank=True)
    unit = models.CharField("度量单位", max_length=30, blank=True)
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2)
    direction = models.CharField("指标方向性", max_length=4, choices=choices(Direction))
    cumulative = models.BooleanField("累计型指标", null=True, blank=True)
    position = models.PositiveIntegerField("顺序", default=0)
    reason = models.TextField("调整理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "版本指标"
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"],
                                    name="indicator_target_name_unique_in_version",
                                    violation_error_message="同一版本中已有同名三级指标。"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_target_weight_positive",
                                   violation_error_message="权重必须大于 0。"),
            models.CheckConstraint(
                condition=(Q(operator=Operator.QUALITATIVE, target_value__isnull=True,
                             target_grade__in=GRADES)
                           | (~Q(operator=Operator.QUALITATIVE)
                              & Q(target_value__isnull=False, target_grade=""))),
                name="indicator_target_value_matches_operator",
                violation_error_message="定性指标的指标值应为等级（优/良/中/差），其他指标的指标值应为数字。"),
        ]

    def __str__(self):
        return self.name

    @property
    def target_display(self) -> str:
        if self.operator == Operator.QUALITATIVE:
            return self.target_grade
        return format_decimal(self.target_value)

    def as_indicator(self) -> Indicator:
        """An unsaved Indicator with this version's targets, for pages that show an indicator
        as a version set it (its id is the indicator's, so its records match)."""
        return Indicator(id=self.indicator_id, project_id=self.version.project_id,
                         level1=self.level1, level2=self.level2, name=self.name,
                         operator=self.operator, target_value=self.target_value,
                         target_grade=self.target_grade, unit=self.unit, weight=self.weight,
                         direction=self.direction, cumulative=self.cumulative,
                         position=self.position)


class VersionStep(models.Model):
    """One step of a proposal through the chain: who, at which level, when and why."""

    version = models.ForeignKey(TargetVersion, verbose_name="版本", on_delete=models.CASCADE,
                                related_name="steps")
    action = models.CharField("操作", max_length=10, choices=ChainAction.choices)
    level = models.CharField("审核层级", max_length=12, choices=Level.choices, blank=True)
    from_status = models.CharField("原状态", max_length=14, choices=VersionStatus.choices)
    to_status = models.CharField("新状态", max_length=14, choices=VersionStatus.choices)
    reason = models.TextField("意见或原因", blank=True)
    by = user_stamp("操作人")
    at = models.DateTimeField("时间")
    channel = models.CharField("途径", max_length=10, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "目标调整审核记录"
        ordering = ["version", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(action=ChainAction.RETURN) | ~Q(reason=""),
                                   name="version_return_has_reason",
                                   violation_error_message="退回时须填写退回原因。"),
        ]

    def __str__(self):
        return f"{self.version} {self.get_action_display()}"
