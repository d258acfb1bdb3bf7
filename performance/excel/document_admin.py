"""Admin: 表13 from a published budget document (PDF or its text), on the Indicator change list
next to the Excel "导入".

Handled in the request, without an ImportJob (its kinds are the Excel imports; documents are
small): the upload is parsed and checked in a dry run (预览) showing every finding with its
source line; a clean preview offers “确认导入” (POST + CSRF), which imports the same lines for
real. The lines travel between the two steps in a signed, compressed form field (tied to the
user, valid for an hour), so nothing is stored and nothing can be changed in between. Either
page offers the 表13 workbook of what was read, to check and complete and import with the
Excel import.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from .admin import TargetsImportForm
from .document_import import (
    DocumentRead,
    document_workbook,
    import_document,
    read_document,
    read_lines,
)
from .errors import BadFile, ExcelImportError
from .sheets import to_bytes

SALT = "performance.document_import"
TOKEN_MAX_AGE = 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DocumentImportForm(TargetsImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "预算文件"
        self.fields["file"].help_text = ("发布的部门预算 PDF，或从中提取的文字 .txt"
                                         "（单元格以 Tab 分隔，UTF-8 或 GB18030）")


class DocumentImportAdminMixin:
    """Adds `<changelist>/import-document/` (preview, confirm) and `…/export/` (the workbook),
    and a “从预算文件导入” button; uses `has_import_permission` (ExcelImportAdminMixin)."""

    import_export_change_list_template = "admin/performance/indicator/change_list_document.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        view = self.admin_site.admin_view
        return [
            path("import-document/", view(self.document_import_view),
                 name="{}_{}_import_document".format(*info)),
            path("import-document/export/", view(self.document_export_view),
                 name="{}_{}_export_document".format(*info)),
        ] + super().get_urls()

    # ------------------------------------------------------------ views

    def document_import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("token"):
            return self._confirm(request)
        form = DocumentImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                doc = read_document(data["file"], filename=data["file"].name)
            except BadFile as exc:
                form.add_error("file", exc.message)
            else:
                return self._outcome(request, doc, data["year"], data["replace"], dry_run=True)
        return self._render(request, {"form": form})

    def document_export_view(self, request):
        if not self.has_import_permission(request) or request.method != "POST":
            raise PermissionDenied
        loaded = self._load(request)
        if loaded is None:
            return redirect(self._url("import_document"))
        doc, year, _ = loaded
        response = HttpResponse(to_bytes(document_workbook(doc, year)), content_type=XLSX)
        name = f"表13-{Path(doc.filename).stem or '预算文件'}.xlsx"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response

    # ------------------------------------------------------------ steps

    def _confirm(self, request):
        loaded = self._load(request)
        if loaded is None:
            return redirect(self._url("import_document"))
        doc, year, replace = loaded
        return self._outcome(request, doc, year, replace, dry_run=False)

    def _outcome(self, request, doc: DocumentRead, year: int, replace: bool, *, dry_run: bool):
        token = signing.dumps(
            {"lines": doc.lines, "name": doc.filename, "year": year, "replace": replace,
             "user": request.user.pk}, salt=SALT, compress=True)
        context = {"doc": doc, "year": year, "replace": replace, "token": token,
                   "dry_run": dry_run, "counts": doc.counts()}
        try:
            outcome = import_document(doc, year, dry_run=dry_run, replace=replace)
        except ExcelImportError as exc:
            context.update(failed=True, headline=exc.headline(), problems=exc.messages())
        else:
            context.update(failed=False, summary=outcome.summary(), notes=outcome.notes(),
                           changed=outcome.result.changed)
            if not dry_run:
                messages.success(request, outcome.summary() if outcome.result.changed
                                 else "与数据库一致，没有变化。")
        return self._render(request, context)

    def _load(self, request) -> tuple[DocumentRead, int, bool] | None:
        """The lines of the previewed document, if the token is genuine, recent and the
        user's own."""
        try:
            data = signing.loads(request.POST.get("token", ""), salt=SALT, max_age=TOKEN_MAX_AGE)
        except signing.SignatureExpired:
            messages.error(request, "预览已超过 1 小时，请重新上传文件。")
            return None
        except signing.BadSignature:
            messages.error(request, "预览数据无效，请重新上传文件。")
            return None
        if data.get("user") != request.user.pk:
            raise PermissionDenied
        return read_lines(data["lines"], filename=data["name"]), data["year"], data["replace"]

    def _render(self, request, context):
        opts = self.model._meta
        context = {**self.admin_site.each_context(request), "opts": opts,
                   "title": "从预算文件导入表13 绩效目标",
                   "export_url": self._url("export_document"),
                   "import_url": self._url("import_document"), **context}
        return TemplateResponse(request, "admin/performance/document_import.html", context)

    def _url(self, name: str) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}",
                       current_app=self.admin_site.name)
