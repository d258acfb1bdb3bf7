"""结果应用: what a project's grade suggests for next year's budget, kept per project and
self-evaluation period, with finance's override (docs/results.md). Written only by
performance.services.results."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from budget.fields import user_stamp
from budget.models import MONEY, Project
from performance.domain import Grade, choices

from .periods import ReportingPeriod
from .records import ChannelHistory

RATE = {"max_digits": 5, "decimal_places": 2}


class BudgetAction(models.TextChoices):
    PRIORITY = "priority", "优先保障"
    KEEP = "keep", "据实保障"
    CUT = "cut", "压缩核减"
    CANCEL = "cancel", "取消或暂停"


class SuggestionRule(models.Model):
    """The mapping from a grade to a suggestion for next year's budget, kept in the admin."""

    grade = models.CharField("评价等级", max_length=2, choices=choices(Grade), unique=True)
    action = models.CharField("预算安排建议", max_length=10, choices=BudgetAction.choices)
    rate = models.DecimalField("压缩比例（%）", default=0, **RATE,
                               help_text="压缩核减时下一年度预算核减的比例，0–100")
    wording = models.CharField("建议表述", max_length=200, blank=True,
                               help_text="如：适当优先给予保障；留空则用预算安排建议的名称")

    class Meta:
        verbose_name = verbose_name_plural = "结果应用规则"
        ordering = ["grade"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100),
                                   name="suggestion_rule_rate_0_to_100",
                                   violation_error_message="压缩比例应在 0 到 100 之间。"),
        ]

    def __str__(self):
        return f"{self.grade} → {self.get_action_display()}"


class BudgetSuggestion(models.Model):
    """A project's grade in a self-evaluation period and what it suggests for next year's
    budget; finance may override the suggestion with a reason."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="budget_suggestions")
    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT,
                               related_name="+")
    total = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField("评价等级", max_length=2, choices=choices(Grade), blank=True)
    grade_source = models.CharField("等级来源", max_length=10, blank=True,
                                    choices=[("self", "单位自评"), ("check", "财政复核")])
    base_amount = models.DecimalField("本年度预算数（万元）", **MONEY)
    action = models.CharField("建议", max_length=10, choices=BudgetAction.choices, blank=True)
    rate = models.DecimalField("压缩比例（%）", default=0, **RATE)
    suggested_amount = models.DecimalField("建议下年度预算（万元）", null=True, blank=True, **MONEY)
    override_action = models.CharField("调整后建议", max_length=10, choices=BudgetAction.choices,
                                       blank=True)
    override_rate = models.DecimalField("调整后压缩比例（%）", null=True, blank=True, **RATE)
    override_amount = models.DecimalField("调整后建议预算（万元）", null=True, blank=True, **MONEY)
    override_reason = models.TextField("调整理由", blank=True)
    overridden_by = user_stamp("调整人")
    overridden_at = models.DateTimeField("调整时间", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间")
    version = models.PositiveIntegerField("版本", default=0)

    history = HistoricalRecords(verbose_name="结果应用建议变更历史", bases=[ChannelHistory])

    class Meta:
        verbose_name = verbose_name_plural = "结果应用建议"
        ordering = ["project__unit__code", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period"],
                                    name="one_suggestion_per_project_period",
                                    violation_error_message="该项目在本期间已有结果应用建议。"),
            models.CheckConstraint(condition=Q(override_action="") | ~Q(override_reason=""),
                                   name="suggestion_override_has_reason",
                                   violation_error_message="调整建议须填写理由。"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100),
                                   name="suggestion_rate_0_to_100",
                                   violation_error_message="压缩比例应在 0 到 100 之间。"),
            models.CheckConstraint(
                condition=Q(override_rate__isnull=True) | Q(override_rate__gte=0,
                                                            override_rate__lte=100),
                name="suggestion_override_rate_0_to_100",
                violation_error_message="压缩比例应在 0 到 100 之间。"),
        ]

    def __str__(self):
        return f"{self.project} @ {self.period.code}：{self.get_action_display()}"

    @property
    def final_action(self) -> str:
        return self.override_action or self.action

    @property
    def final_rate(self):
        return self.override_rate if self.override_action else self.rate

    @property
    def final_amount(self):
        return self.override_amount if self.override_action else self.suggested_amount
