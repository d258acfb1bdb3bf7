"""A unit's reports exported together as one zip, built by a Celery task that reports its
progress (docs/reports.md). Written only by performance.reports.jobs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from budget.models import Unit

from .evidence import evidence_storage
from .periods import ReportingPeriod


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ReportJob(models.Model):
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.CASCADE,
                             related_name="report_jobs")
    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.CASCADE,
                               related_name="report_jobs")
    status = models.CharField("状态", max_length=10, choices=ReportJobStatus.choices,
                              default=ReportJobStatus.QUEUED)
    total = models.PositiveIntegerField("报告总数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    # private like the evidence: served only by a view that checks access
    file = models.FileField("压缩包", upload_to="report-jobs/%Y/%m/", blank=True,
                            storage=evidence_storage)
    error = models.TextField("错误", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人",
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        "最近心跳", null=True, blank=True,
        help_text="运行中的任务定期更新；超过 JOB_STALE_MINUTES 未更新即判定为中断（失败，可重试）")

    class Meta:
        verbose_name = verbose_name_plural = "报告打包任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=models.F("total")),
                                   name="report_job_done_within_total",
                                   violation_error_message="已生成数不能超过报告总数。"),
            models.CheckConstraint(condition=~Q(status=ReportJobStatus.FAILED) | ~Q(error=""),
                                   name="failed_report_job_has_error",
                                   violation_error_message="失败的任务须记录错误。"),
        ]

    def __str__(self):
        return f"{self.unit} {self.period.code} 报告打包"

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 and self.status == ReportJobStatus.DONE else (
            self.done * 100 // self.total if self.total else 0)
