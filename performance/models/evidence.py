"""佐证材料: files behind a value (an indicator's value or a project's record in a period) or
behind a 复核 opinion. Stored through the "evidence" storage (settings.STORAGES), served only
by performance.evidence.views after the access checks; written only by
performance.services.evidence (docs/evidence.md)."""

import uuid

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import Q
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from simple_history.models import HistoricalRecords

from budget.fields import user_stamp
from budget.models import Project

from .checks import CheckedProject
from .periods import ReportingPeriod
from .records import ChannelHistory
from .targets import Indicator


class _EvidenceStorage(LazyObject):
    """storages["evidence"], looked up when first used and again after STORAGES changes (a
    FileField keeps the storage its callable returned when the model was loaded)."""

    def _setup(self):
        self._wrapped = storages["evidence"]


evidence_files = _EvidenceStorage()


@receiver(setting_changed)
def _storages_changed(setting, **kwargs):
    if setting == "STORAGES":
        evidence_files._wrapped = empty


def evidence_storage():
    return evidence_files


def evidence_path(instance, filename: str) -> str:
    """Where a file is stored: never the uploader's name (kept in `name`), only a random one
    with the extension of the type found in its content."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{instance.period.year}/{instance.project_id}/{uuid.uuid4().hex}.{suffix}"


class Evidence(models.Model):
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE,
                                related_name="evidence")
    period = models.ForeignKey(ReportingPeriod, verbose_name="期间", on_delete=models.PROTECT,
                               related_name="+")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE,
                                  null=True, blank=True, related_name="evidence",
                                  help_text="空：项目本期的佐证材料")
    checked = models.ForeignKey(CheckedProject, verbose_name="复核项目", on_delete=models.CASCADE,
                                null=True, blank=True, related_name="evidence",
                                help_text="复核意见的佐证材料（财政）")
    rectification = models.ForeignKey(
        "performance.Rectification", verbose_name="整改事项", on_delete=models.CASCADE,
        null=True, blank=True, related_name="evidence", help_text="整改事项的佐证材料")
    file = models.FileField("文件", storage=evidence_storage, upload_to=evidence_path,
                            max_length=300)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    kind = models.CharField("类型", max_length=20)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = user_stamp("上传人")
    uploaded_at = models.DateTimeField("上传时间")

    history = HistoricalRecords(verbose_name="佐证材料变更历史", bases=[ChannelHistory])

    class Meta:
        verbose_name = verbose_name_plural = "佐证材料"
        ordering = ["project", "period", "uploaded_at", "id"]
        indexes = [models.Index(fields=["project", "period"], name="evidence_project_period")]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty",
                                   violation_error_message="文件为空。"),
            models.CheckConstraint(condition=~Q(name=""), name="evidence_has_name",
                                   violation_error_message="文件须有文件名。"),
        ]

    def __str__(self):
        return self.name

    @property
    def attached_to(self) -> str:
        if self.checked_id:
            return "复核意见" + (f"：{self.indicator.name}" if self.indicator_id else "")
        if self.indicator_id:
            return f"指标：{self.indicator.name}"
        return "项目"
