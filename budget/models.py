"""Units, the two budget classifications, budget lines as printed, and projects.

Money is in 万元 with two decimals, as the published tables print it.
"""

from decimal import Decimal

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

MONEY = {"max_digits": 14, "decimal_places": 2}


class Department(models.Model):
    """主管部门, e.g. 342 广元市人力资源和社会保障局."""

    code = models.CharField("部门代码", max_length=20, unique=True)
    name = models.CharField("部门名称", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "主管部门"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}-{self.name}"


class Unit(models.Model):
    """预算单位, e.g. 342601 广元市社会保险事务中心."""

    code = models.CharField("单位代码", max_length=20, unique=True)
    name = models.CharField("单位名称", max_length=100)
    department = models.ForeignKey(
        Department,
        verbose_name="主管部门",
        on_delete=models.PROTECT,
        related_name="units",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "预算单位"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code}-{self.name}"


class SubjectTree(models.Model):
    """A classification code tree: each level's code extends its parent's code."""

    code = models.CharField("科目编码", max_length=12, unique=True)
    name = models.CharField("科目名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级科目",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class FunctionalSubject(SubjectTree):
    """功能分类科目: 类 (3 digits), 款 (5), 项 (7), e.g. 208 / 20801 / 2080109."""

    LEVELS = {3: "类", 5: "款", 7: "项"}

    class Meta(SubjectTree.Meta):
        verbose_name = verbose_name_plural = "功能分类科目"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}([0-9]{2}){0,2}$"),
                name="functional_subject_code_is_3_5_or_7_digits",
                violation_error_message="功能分类科目编码应为 3 位（类）、5 位（款）或 7 位（项）数字。",
            )
        ]

    @property
    def level_name(self) -> str:
        return self.LEVELS.get(len(self.code), "")


class EconomicSubject(SubjectTree):
    """部门经济分类科目: 类 (3 digits), 款 (5), and detail levels below (7, 9)."""

    class Meta(SubjectTree.Meta):
        verbose_name = verbose_name_plural = "经济分类科目"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{3}([0-9]{2}){0,3}$"),
                name="economic_subject_code_is_3_to_9_digits",
                violation_error_message="经济分类科目编码应为 3、5、7 或 9 位数字。",
            )
        ]


class FundSource(models.TextChoices):
    GENERAL = "general", "一般公共预算"
    GOVERNMENT_FUND = "gov_fund", "政府性基金预算"
    STATE_CAPITAL = "state_capital", "国有资本经营预算"


class ExpenditureKind(models.TextChoices):
    BASIC = "basic", "基本支出"
    PERSONNEL = "personnel", "人员经费"
    PUBLIC = "public", "公用经费"
    PROJECT = "project", "项目支出"


class SourceTable(models.TextChoices):
    """The table of the published budget a line or a total was printed in."""

    T1 = "t1", "表1 部门收支总表"
    T3 = "t3", "表3 部门支出总表"
    T7 = "t7", "表7 一般公共预算基本支出预算表"
    T8 = "t8", "表8 一般公共预算项目支出预算表"
    TARGETS = "targets", "绩效目标设置情况"


class BudgetLine(models.Model):
    """One printed row of a budget table, as printed (its disagreements included).

    A detail row (e.g. 3010101 under 30101) points to the row it details, so sums over the
    lines of a table take the rows without a parent.
    """

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField("年度")
    source_table = models.CharField("来源表", max_length=10, choices=SourceTable.choices)
    functional_subject = models.ForeignKey(
        FunctionalSubject, verbose_name="功能分类", on_delete=models.PROTECT, null=True, blank=True
    )
    economic_subject = models.ForeignKey(
        EconomicSubject, verbose_name="经济分类", on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField("支出类型", max_length=10, choices=ExpenditureKind.choices)
    fund_source = models.CharField(
        "资金来源", max_length=15, choices=FundSource.choices, default=FundSource.GENERAL
    )
    name = models.CharField("名称（按原表）", max_length=200, blank=True)
    amount = models.DecimalField("金额（万元）", **MONEY)
    parent = models.ForeignKey(
        "self",
        verbose_name="明细所属行",
        on_delete=models.CASCADE,
        related_name="details",
        null=True,
        blank=True,
    )
    position = models.PositiveIntegerField("表内顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "预算明细行"
        ordering = ["unit", "year", "source_table", "position"]
        indexes = [models.Index(fields=["unit", "year", "source_table"])]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "source_table", "position"],
                name="budget_line_position_unique_in_table",
                violation_error_message="同一单位、年度、来源表中行序号不能重复。",
            ),
        ]

    def __str__(self):
        subject = self.economic_subject or self.functional_subject
        return f"{self.get_source_table_display()} {subject or self.name} {self.amount}"


class PrintedTotal(models.Model):
    """A total or subtotal as the document prints it, kept to compare with the lines.

    `scope` says what it totals: a classification code prefix ("208", "301"), a project
    category, or empty for the whole table.
    """

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="printed_totals")
    year = models.PositiveSmallIntegerField("年度")
    source_table = models.CharField("来源表", max_length=10, choices=SourceTable.choices)
    label = models.CharField("栏目（按原表）", max_length=100)
    column = models.CharField("列", max_length=50)
    scope = models.CharField("汇总范围", max_length=30, blank=True)
    amount = models.DecimalField("金额（万元）", **MONEY)
    item_count = models.PositiveIntegerField("项目个数", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "原表合计数"
        ordering = ["unit", "year", "source_table", "label", "column"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "source_table", "label", "column"],
                name="printed_total_unique",
                violation_error_message="该合计数已存在。",
            )
        ]

    def __str__(self):
        return f"{self.get_source_table_display()} {self.label} {self.column} {self.amount}"


class ProjectCategory(models.TextChoices):
    PERSONNEL = "personnel", "人员类"
    OPERATION = "operation", "运转类"
    SPECIFIC = "specific", "特定目标类"


def _touch_units(unit_ids) -> None:
    """Move the units' updated_at: a project list cached under its data version
    (performance.services.page_cache) then sees that a project of theirs is gone, without
    counting every project of the year on each request."""
    Unit.objects.filter(pk__in=set(unit_ids)).update(updated_at=timezone.now())


class ProjectQuerySet(models.QuerySet):
    def delete(self):
        with transaction.atomic():
            units = list(self.values_list("unit_id", flat=True))
            deleted = super().delete()
            _touch_units(units)
        return deleted


class Project(models.Model):
    """项目: the unit of budgeting and of performance targets."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="projects")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("项目名称", max_length=200)
    category = models.CharField(
        "项目类别", max_length=10, choices=ProjectCategory.choices, default=ProjectCategory.SPECIFIC
    )
    functional_subject = models.ForeignKey(
        FunctionalSubject, verbose_name="功能分类", on_delete=models.PROTECT, null=True, blank=True
    )
    budget_amount = models.DecimalField("预算数（万元）", **MONEY)
    adjusted_amount = models.DecimalField("调整后预算数（万元）", null=True, blank=True, **MONEY)
    budget_line = models.ForeignKey(
        BudgetLine,
        verbose_name="表8 预算行",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        help_text="表8 中对应的项目行；名称不一致时为空，由目标审核报告。",
    )
    carried_from = models.ForeignKey(
        "self", verbose_name="上年度同名项目", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="carried_to",
        help_text="导入下一年度表13时按单位内项目名称匹配的上年度项目（延续项目）")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "项目"
        ordering = ["unit__code", "year", "id"]
        indexes = [models.Index(fields=["year", "updated_at"], name="project_year_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "name"],
                name="project_name_unique_per_unit_year",
                violation_error_message="同一单位同一年度已有同名项目。",
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__gte=0),
                name="project_budget_not_negative",
                violation_error_message="预算数不能为负数。",
            ),
            models.CheckConstraint(
                condition=Q(adjusted_amount__isnull=True) | Q(adjusted_amount__gte=0),
                name="project_adjusted_budget_not_negative",
                violation_error_message="调整后预算数不能为负数。",
            ),
        ]

    def __str__(self):
        return self.name

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            _touch_units([self.unit_id])
        return deleted

    @property
    def effective_budget(self) -> Decimal:
        """调整后预算数, or the budget when it was never adjusted."""
        return self.budget_amount if self.adjusted_amount is None else self.adjusted_amount


class Role(models.TextChoices):
    FILLER = "filler", "填报人"
    UNIT_REVIEWER = "unit_reviewer", "单位审核人"
    DEPARTMENT_REVIEWER = "department_reviewer", "主管部门审核人"
    FINANCE_REVIEWER = "finance_reviewer", "财政审核人"


class Membership(models.Model):
    """A user's role: in one unit (填报人, 单位审核人), over the units of one department
    (主管部门审核人), or over every unit (财政审核人)."""

    user = models.ForeignKey(
        "auth.User", verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        help_text="填报人、单位审核人填单位；主管部门审核人和财政审核人不填",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="主管部门",
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        help_text="只有主管部门审核人填（审核该部门所属各单位）",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = "单位成员"
        ordering = ["unit__code", "role", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.FINANCE_REVIEWER, unit__isnull=True, department__isnull=True)
                | Q(role=Role.DEPARTMENT_REVIEWER, unit__isnull=True, department__isnull=False)
                | (Q(role__in=[Role.FILLER, Role.UNIT_REVIEWER])
                   & Q(unit__isnull=False, department__isnull=True)),
                name="membership_scope_matches_role",
                violation_error_message=(
                    "填报人和单位审核人须指定单位；主管部门审核人须指定主管部门（不指定单位）；"
                    "财政审核人两者都不指定。"),
            ),
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                name="membership_unique",
                violation_error_message="该用户在此单位已有该角色。",
            ),
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=Q(department__isnull=False),
                name="department_membership_unique",
                violation_error_message="该用户在此主管部门已有该角色。",
            ),
        ]

    def __str__(self):
        scope = self.unit or self.department or "全部单位"
        return f"{self.user} · {scope} · {self.get_role_display()}"
