"""Reminders before and after deadlines, and the in-app notices users read."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .periods import ReportingPeriod


class ReminderAudience(models.TextChoices):
    FILLER = "filler", "填报人（未提交）"
    REVIEWER = "reviewer", "审核人（待审核）"
    DEPARTMENT = "department", "主管部门审核人（待审核）"
    FINANCE = "finance", "财政（逾期汇总）"


class ReminderStatus(models.TextChoices):
    CLAIMED = "claimed", "已认领，发送中"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class ReminderLog(models.Model):
    """One reminder step owed to one recipient for one unit (or all units) of a period.

    The row is the claim: it is inserted before anything is sent, and the unique constraint
    makes a second worker, a redelivered task or a second beat lose the race, so nothing is
    sent twice. `scope` is the unit code, or "*" for a summary over all units.
    """

    period = models.ForeignKey(
        ReportingPeriod, verbose_name="期间", on_delete=models.CASCADE, related_name="reminders"
    )
    unit = models.ForeignKey(
        "budget.Unit", verbose_name="单位", on_delete=models.CASCADE, null=True, blank=True,
        related_name="reminders",
    )
    scope = models.CharField("范围", max_length=20, help_text="单位代码；* 表示全部单位汇总")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
        related_name="reminders",
    )
    audience = models.CharField("对象", max_length=10, choices=ReminderAudience.choices)
    step = models.CharField("提醒节点", max_length=30, help_text="如 before-7、due、overdue-2、review-2025-08-20")
    status = models.CharField(
        "状态", max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.CLAIMED
    )
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    subject = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("内容", blank=True)
    error = models.TextField("错误", blank=True)
    claimed_at = models.DateTimeField("认领时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒记录"
        ordering = ["-claimed_at", "-id"]
        indexes = [models.Index(fields=["status", "claimed_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "scope", "recipient", "step"],
                name="reminder_claimed_once",
                violation_error_message="该提醒已发送或正在发送。",
            ),
            models.CheckConstraint(
                condition=Q(scope="*", unit__isnull=True) | (~Q(scope="*") & Q(unit__isnull=False)),
                name="reminder_scope_matches_unit",
                violation_error_message="单位提醒须指定单位；汇总提醒不指定单位。",
            ),
        ]

    def __str__(self):
        return f"{self.period.code} {self.scope} {self.recipient} {self.step}"


class Notice(models.Model):
    """An in-app notice: what a reminder says, kept for the user to read in the page header."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
        related_name="notices",
    )
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    reminder = models.ForeignKey(
        ReminderLog, verbose_name="来自提醒", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notices",
    )

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject
