"""Finance's 抽查复核 of self-evaluations: the drawn sample (复核批次), each sampled project's
check with its own scores beside the unit's, and the explanations asked of the unit
(docs/checks.md). Written only by performance.services.checks."""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from budget.fields import user_stamp
from budget.models import MONEY, Project
from performance.domain import Grade, choices

from .periods import ReportingPeriod
from .records import ChannelHistory
from .targets import Indicator

SCORE = {"max_digits": 6, "decimal_places": 2}


class CheckStatus(models.TextChoices):
    PENDING = "pending", "待复核"
    IN_PROGRESS = "in_progress", "复核中"
    DONE = "done", "已复核"


class SelectionReason(models.TextChoices):
    AMOUNT = "amount", "金额达到标准"
    RANDOM = "random", "随机抽取"
    HAND = "hand", "指定抽取"


class CheckBatch(models.Model):
    """One draw of projects to check in a self-evaluation period: its rules and its seed are
    kept, so that anyone can draw the same sample again (docs/checks.md)."""

    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT,
                               related_name="check_batches")
    name = models.CharField("批次名称", max_length=100)
    seed = models.CharField("随机种子", max_length=40,
                            help_text="随机抽取所用的种子；以相同规则和种子可重现抽取结果")
    rules = models.JSONField("抽取规则", default=dict)
    candidates = models.PositiveIntegerField("候选项目数", default=0)
    drawn_by = user_stamp("抽取人")
    drawn_at = models.DateTimeField("抽取时间")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "复核批次"
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "name"], name="check_batch_name_unique",
                                    violation_error_message="本期间已有同名复核批次。"),
            models.CheckConstraint(condition=~Q(seed=""), name="check_batch_has_seed",
                                   violation_error_message="复核批次须记录随机种子。"),
        ]

    def __str__(self):
        return f"{self.period.code} {self.name}"


class CheckedProject(models.Model):
    """A project drawn for 复核: finance's own scores of it, next to the unit's self-score.

    `self_total`/`check_total` and their grades are a snapshot refreshed by the service on
    every change, so that the overview compares units in SQL."""

    batch = models.ForeignKey(CheckBatch, verbose_name="复核批次", on_delete=models.CASCADE,
                              related_name="projects")
    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT,
                               related_name="+")
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="checks")
    reason = models.CharField("抽取方式", max_length=10, choices=SelectionReason.choices)
    stratum = models.CharField("抽取范围", max_length=100, blank=True,
                               help_text="随机抽取时所在的分组（单位或项目类别）")
    draw_key = models.CharField("抽取序号", max_length=64, blank=True,
                                help_text="SHA-256(种子:单位代码:项目名称)，随机抽取按其从小到大取")
    status = models.CharField("复核状态", max_length=12, choices=CheckStatus.choices,
                              default=CheckStatus.PENDING)
    reviewer = user_stamp("复核人")
    verified_spent = models.DecimalField("核实预算执行数（万元）", null=True, blank=True, **MONEY)
    execution_score = models.DecimalField(
        "复核预算执行得分", null=True, blank=True, **SCORE,
        help_text="留空：按核实预算执行数计算；未核实则采用单位自评得分")
    execution_note = models.TextField("预算执行复核说明", blank=True)
    conclusion = models.TextField("复核结论", blank=True)
    self_total = models.DecimalField("自评得分", null=True, blank=True, **SCORE)
    self_grade = models.CharField("自评等级", max_length=2, choices=choices(Grade), blank=True)
    check_total = models.DecimalField("复核得分", null=True, blank=True, **SCORE)
    check_grade = models.CharField("复核等级", max_length=2, choices=choices(Grade), blank=True)
    scored_indicators = models.PositiveIntegerField("已复核指标数", default=0)
    started_at = models.DateTimeField("开始复核时间", null=True, blank=True)
    concluded_at = models.DateTimeField("完成复核时间", null=True, blank=True)
    concluded_by = user_stamp("完成人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = user_stamp("更新人")
    version = models.PositiveIntegerField("版本", default=0)

    history = HistoricalRecords(verbose_name="复核项目变更历史", bases=[ChannelHistory],
                                excluded_fields=["self_total", "self_grade", "check_total",
                                                 "check_grade", "scored_indicators"])

    class Meta:
        verbose_name = verbose_name_plural = "复核项目"
        ordering = ["batch", "project__unit__code", "project_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "project"], name="one_check_per_project_period",
                                    violation_error_message="该项目在本期间已被抽取复核。"),
            models.CheckConstraint(condition=~Q(status=CheckStatus.DONE) | ~Q(conclusion=""),
                                   name="done_check_has_conclusion",
                                   violation_error_message="完成复核须填写复核结论。"),
            models.CheckConstraint(
                condition=~Q(status=CheckStatus.DONE) | Q(concluded_at__isnull=False),
                name="done_check_has_time", violation_error_message="完成复核须记录时间。"),
            models.CheckConstraint(
                condition=Q(execution_score__isnull=True) | Q(execution_score__gte=0),
                name="check_execution_score_not_negative",
                violation_error_message="复核预算执行得分不能为负数。"),
            models.CheckConstraint(
                condition=Q(verified_spent__isnull=True) | Q(verified_spent__gte=0),
                name="check_verified_spent_not_negative",
                violation_error_message="核实预算执行数不能为负数。"),
        ]

    def __str__(self):
        return f"{self.project} @ {self.period.code}（复核）"


class CheckScore(models.Model):
    """Finance's 复核 score of one indicator: 0 ≤ score ≤ the weight it was scored against."""

    checked = models.ForeignKey(CheckedProject, verbose_name="复核项目", on_delete=models.CASCADE,
                                related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  related_name="check_scores")
    weight = models.DecimalField("权重", **SCORE)
    score = models.DecimalField("复核得分", **SCORE)
    deduction_reason = models.TextField("扣分原因", blank=True)
    opinion = models.TextField("复核意见", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = user_stamp("更新人")
    version = models.PositiveIntegerField("版本", default=0)

    history = HistoricalRecords(verbose_name="复核指标得分变更历史", bases=[ChannelHistory])

    class Meta:
        verbose_name = verbose_name_plural = "复核指标得分"
        ordering = ["checked", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["checked", "indicator"], name="one_check_score_per_indicator",
                                    violation_error_message="该指标已有复核得分。"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=F("weight")),
                                   name="check_score_within_weight",
                                   violation_error_message="复核得分须在 0 到权重之间。"),
        ]

    def __str__(self):
        return f"{self.indicator} 复核 {self.score}"


class ExplanationStatus(models.TextChoices):
    OPEN = "open", "待单位说明"
    ANSWERED = "answered", "已说明"
    WITHDRAWN = "withdrawn", "已撤回"


class ExplanationRequest(models.Model):
    """补充说明: the 复核 reviewer asks the unit a question (about the project or one indicator)
    and waits; the check cannot be concluded while one is open."""

    checked = models.ForeignKey(CheckedProject, verbose_name="复核项目", on_delete=models.CASCADE,
                                related_name="explanations")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  null=True, blank=True, related_name="+")
    question = models.TextField("需说明的问题")
    status = models.CharField("状态", max_length=10, choices=ExplanationStatus.choices,
                              default=ExplanationStatus.OPEN)
    asked_by = user_stamp("提出人")
    asked_at = models.DateTimeField("提出时间")
    answer = models.TextField("单位说明", blank=True)
    answered_by = user_stamp("说明人")
    answered_at = models.DateTimeField("说明时间", null=True, blank=True)
    withdrawn_by = user_stamp("撤回人")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "补充说明"
        ordering = ["checked", "asked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checked"], condition=Q(status=ExplanationStatus.OPEN),
                                    name="one_open_explanation_per_check",
                                    violation_error_message="该项目已有待单位说明的问题。"),
            models.CheckConstraint(condition=~Q(question=""), name="explanation_has_question",
                                   violation_error_message="请填写需说明的问题。"),
            models.CheckConstraint(
                condition=~Q(status=ExplanationStatus.ANSWERED) | (~Q(answer="")
                                                                   & Q(answered_at__isnull=False)),
                name="answered_explanation_has_answer",
                violation_error_message="已说明的问题须有单位说明。"),
        ]

    def __str__(self):
        return self.question[:40]
