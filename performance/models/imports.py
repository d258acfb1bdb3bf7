"""Excel imports started in the web, run now or by a Celery task."""

from django.db import models
from django.db.models import Q

from budget.fields import user_stamp
from performance.workflow import Channel

from .periods import ReportingPeriod


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
    channel = models.CharField("途径", max_length=10, choices=Channel.choices,
                               default=Channel.ADMIN)
    clear_blanks = models.BooleanField(
        "空白单元格清空已填的值", default=False,
        help_text="不勾选时，文件中的空白单元格不改变已保存的值")
    overwrite = models.BooleanField(
        "覆盖他人填写的值", default=False,
        help_text="文件不含记录版本时，是否允许覆盖其他人已保存的值（不勾选时这些行被拒绝）")
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    errors = models.JSONField("问题", default=list, blank=True,
                              help_text="至多 IMPORT_MAX_ERRORS 条；其余只计数（error_count）")
    error_count = models.PositiveIntegerField("问题总数", default=0)
    summary = models.TextField("结果", blank=True)
    notes = models.JSONField("提示", default=list, blank=True,
                             help_text="文件中缺少的指标、目标审核发现等")
    created_by = user_stamp("导入人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        "最近心跳", null=True, blank=True,
        help_text="运行中的任务定期更新；超过 JOB_STALE_MINUTES 未更新即判定为中断（失败，可重试）")

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
