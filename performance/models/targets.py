"""Targets (表13): indicator level reference tables, the annual goal, and indicators."""

from django.db import models
from django.db.models import Q

from budget.models import Project
from performance.domain import Direction, Grade, Operator, choices

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
    evidence_required = models.BooleanField(
        "须上传佐证材料", default=False,
        help_text="该二级指标下的指标提交前须上传佐证材料（单个指标可另行设置）")

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
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度目标"

    def __str__(self):
        return self.text[:40]


class InForceIndicatorManager(models.Manager):
    def get_queryset(self):
        # An indicator removed by an approved adjustment keeps its records and history but no
        # longer scores: only the version readers (performance.services.versions) and the
        # admin see it, through Indicator.all_objects.
        return super().get_queryset().filter(retired=False)


class Indicator(models.Model):
    """三级指标: one row of 表13, as the approved version now in force sets it.

    Its id is the indicator's identity across target versions (its records hang on it);
    earlier versions' targets are kept as performance.models.IndicatorTarget rows."""

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
    cumulative = models.BooleanField(
        "累计型指标",
        null=True,
        blank=True,
        help_text="监控时与按时间进度折算的目标比较（如数量、成本支出）；留空则按二级指标和单位自动判断",
    )
    evidence_required = models.BooleanField(
        "须上传佐证材料", null=True, blank=True,
        help_text="提交前须上传佐证材料；留空则按二级指标的设置")
    retired = models.BooleanField(
        "已调整删除", default=False,
        help_text="经批准的目标调整删除了该指标：保留填报记录和历史，不再计分")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    all_objects = models.Manager()
    objects = InForceIndicatorManager()

    class Meta:
        verbose_name = verbose_name_plural = "绩效指标"
        base_manager_name = "all_objects"
        default_manager_name = "objects"
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

    def needs_evidence(self, level2_required: bool) -> bool:
        """Evidence required before submitting: the indicator's own setting, else its 二级指标's."""
        return level2_required if self.evidence_required is None else self.evidence_required

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
