"""Admin integration: an "导入" button on the Indicator and IndicatorRecord change lists
(django-import-export's change-list template, next to its "导出"), an upload form that creates
an ImportJob and previews it (dry run), and the ImportJob page that shows the outcome (every
problem as `第N行 [列名] 原因`, 50 a page, with the count of those not kept) and confirms the
import; a failed job can be retried (the list's action, or the button on its page)."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from performance.entry.forms import offer_writable_periods
from performance.models import ImportJob, ImportKind, ImportStatus, ReportingPeriod
from performance.workflow import Channel

from . import jobs
from .errors import BadFile

PER_PAGE = 50


class _UploadForm(forms.Form):
    file = forms.FileField(label="文件", help_text="支持 .xlsx、.xls、.csv（UTF-8 或 GB18030）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.EXCEL_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件大小 {upload.size / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB，未读取。")
        return upload


class TargetsImportForm(_UploadForm):
    year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100,
                              initial=lambda: datetime.date.today().year)
    replace = forms.BooleanField(label="删除文件中没有的指标", required=False,
                                 help_text="不勾选时只报告，不删除")


class ActualsImportForm(_UploadForm):
    period = forms.ModelChoiceField(label="填报期间", queryset=ReportingPeriod.objects.none(),
                                    help_text="已锁定的期间只能导入已单独解锁的单位")
    clear_blanks = forms.BooleanField(label="空白单元格清空已填的值", required=False,
                                      help_text="不勾选时，文件中的空白单元格不改变已保存的值")
    overwrite = forms.BooleanField(
        label="覆盖他人填写的值", required=False,
        help_text="文件不含记录版本（不是从本系统下载的填报模板）时，默认不覆盖其他人已保存的值")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_writable_periods(self.fields["period"])


class ExcelImportAdminMixin:
    """Adds `<changelist>/import/` (URL name app_model_import, which the change-list button of
    django-import-export links to)."""

    excel_import_kind = ImportKind.TARGETS
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [path("import/", self.admin_site.admin_view(self.excel_import_view),
                     name=f"{info[0]}_{info[1]}_import")] + super().get_urls()

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "has_import_permission": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def excel_import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        targets = self.excel_import_kind == ImportKind.TARGETS
        form_class = TargetsImportForm if targets else ActualsImportForm
        form = form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                job = jobs.create_job(data["file"], kind=self.excel_import_kind, user=request.user,
                                      year=data.get("year"), period=data.get("period"),
                                      replace=data.get("replace", False), channel=Channel.ADMIN,
                                      clear_blanks=data.get("clear_blanks", False),
                                      overwrite=data.get("overwrite", False))
            except BadFile as exc:
                form.add_error("file", exc.message)
            else:
                jobs.start(job)
                return redirect("admin:performance_importjob_change", job.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "form": form, "title": "导入表13 绩效目标" if targets else "导入完成值"}
        return TemplateResponse(request, "admin/performance/excel_import.html", context)


class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "original_name", "year", "period", "dry_run", "status",
                    "progress", "created_by", "created_at"]
    list_select_related = ["period", "created_by"]
    list_filter = ["kind", "status", "dry_run"]
    search_fields = ["original_name", "summary"]
    change_form_template = "admin/performance/importjob/change_form.html"
    # the problems and hints are listed under the form, a page at a time (change_form.html)
    fields = ["kind", "original_name", "file", "year", "period", "replace", "unit_codes",
              "channel", "clear_blanks", "overwrite", "dry_run", "status", "progress", "summary",
              "error_count", "created_by", "created_at", "started_at", "heartbeat_at",
              "finished_at"]
    readonly_fields = fields
    actions = ["retry_failed"]

    def has_add_permission(self, request):
        return False  # jobs are created by the import pages

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="重试所选的失败任务")
    def retry_failed(self, request, queryset):
        retried = 0
        for job in queryset.filter(status=ImportStatus.FAILED):
            if self._may_confirm(request, job):
                try:
                    jobs.retry(job)
                except ValueError:
                    continue
                retried += 1
        self.message_user(request, f"已重试 {retried} 个失败的导入任务。" if retried
                          else "所选任务中没有可重试的失败任务。",
                          messages.SUCCESS if retried else messages.WARNING)

    def get_urls(self):
        return [path("<int:pk>/confirm/", self.admin_site.admin_view(self.confirm_view),
                     name="performance_importjob_confirm"),
                path("<int:pk>/retry/", self.admin_site.admin_view(self.retry_view),
                     name="performance_importjob_retry")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "job": job,
                 "can_confirm": job is not None and job.dry_run and job.status == ImportStatus.DONE
                 and self._may_confirm(request, job),
                 "can_retry": job is not None and job.status == ImportStatus.FAILED
                 and self._may_confirm(request, job),
                 "refresh": job is not None and not job.finished}
        if job is not None:
            extra["problems"] = Paginator(job.errors[1:], PER_PAGE).get_page(request.GET.get("page"))
            extra["hints"] = Paginator(job.notes, PER_PAGE).get_page(request.GET.get("notes_page"))
            extra["omitted"] = jobs.omitted(job)
        return super().change_view(request, object_id, form_url, extra)

    def retry_view(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        if request.method != "POST" or not self._may_confirm(request, job):
            raise PermissionDenied
        try:
            jobs.retry(job)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已重新开始导入。" if not job.finished else job.summary
                             or job.get_status_display())
        return redirect(reverse("admin:performance_importjob_change", args=[job.pk]))

    def confirm_view(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        if request.method != "POST" or not self._may_confirm(request, job):
            raise PermissionDenied
        try:
            jobs.confirm(job)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已开始导入。" if not job.finished else job.summary)
        return redirect(reverse("admin:performance_importjob_change", args=[job.pk]))

    def _may_confirm(self, request, job) -> bool:
        if job.kind == ImportKind.TARGETS:
            return request.user.has_perm("performance.add_indicator")
        return request.user.has_perm("performance.change_indicatorrecord")
