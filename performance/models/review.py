"""Target review (绩效目标审核): accepted findings, the finance bureau's conclusions, and the
confirmations of the levels below it (docs/review.md)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from budget.fields import user_stamp
from budget.models import Project
from performance.chain import Level

from .targets import Indicator


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
    decided_by = user_stamp("决定人")
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
    reviewer = user_stamp("审核人")
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


class SignoffAction(models.TextChoices):
    """The steps of a project's 目标审核 through its levels (performance.review.signoff_rules)."""

    CONFIRM = "confirm", "确认"
    RETURN = "return", "退回"
    RECORD = "record", "记录审核结果"


class TargetReviewSignoff(models.Model):
    """One step of a project's 目标审核 before and at the finance result: a level confirmed
    it, returned it to the level below (with the reason), or finance recorded the result.
    Kept, never edited: the current state is read from the steps in order."""

    project = models.ForeignKey(
        Project, verbose_name="项目", on_delete=models.CASCADE, related_name="review_signoffs"
    )
    level = models.CharField("审核层级", max_length=12, choices=Level.choices)
    action = models.CharField("操作", max_length=10, choices=SignoffAction.choices)
    result = models.CharField(
        "审核结果", max_length=20, choices=TargetReviewResult.choices, blank=True
    )
    note = models.TextField("意见或原因", blank=True)
    by = user_stamp("操作人")
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "目标审核确认记录"
        ordering = ["project", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action=SignoffAction.RETURN) | ~Q(note=""),
                name="target_review_return_has_reason",
                violation_error_message="退回时须填写退回原因。",
            ),
            models.CheckConstraint(
                condition=(Q(action=SignoffAction.RECORD, level=Level.FINANCE,
                             result__in=TargetReviewResult.values)
                           | (~Q(action=SignoffAction.RECORD) & Q(result=""))),
                name="target_review_result_only_when_recorded",
                violation_error_message="只有财政记录审核结果时才有审核结果。",
            ),
            models.CheckConstraint(
                condition=~Q(action=SignoffAction.CONFIRM, level=Level.FINANCE),
                name="target_review_finance_records_not_confirms",
                violation_error_message="财政审核记录审核结果，不作确认。",
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_level_display()} · {self.get_action_display()}"
