"""The import job as an API resource: the upload that starts one (the page's upload form, as
multipart fields), the job (what its status page shows) and its problems, each split into the
row, the column and the message the importer wrote (`第N行 [列名] 原因`)."""

from __future__ import annotations

import re

from django.conf import settings
from rest_framework import serializers

from performance.excel import jobs
from performance.excel.actuals_import import PROJECT_COLUMNS
from performance.excel.actuals_rows import RECORD_COLUMNS
from performance.models import ImportJob, ImportStatus, ReportingPeriod

# the API field (of the values resource) each column of the fill-in template sets
COLUMN_FIELDS = {**{column: fields[0] for column, fields in RECORD_COLUMNS.items()},
                 **{column: field for field, column in PROJECT_COLUMNS.items()}}
# performance.services.targets.Problem as text: "第12行 [实际完成值] 原因" or "[文件] 原因"
PROBLEM_TEXT = re.compile(r"(?:第(?P<row>\d+)行 )?\[(?P<column>[^\]]*)\] (?P<message>.*)", re.S)


class UploadSerializer(serializers.Serializer):
    """The page's upload form (performance.entry.forms.UploadForm) as multipart fields."""

    file = serializers.FileField(
        allow_empty_file=True,  # refused in validate_file, with the file's name
        help_text="填好的自评表或监控表模板（.xlsx、.xls、.csv），不超过 EXCEL_MAX_UPLOAD_BYTES",
        error_messages={"required": "请上传填好的模板文件（file）。",
                        "invalid": "file 须为上传的文件（multipart/form-data）。"})
    period = serializers.SlugRelatedField(
        slug_field="code", queryset=ReportingPeriod.objects.all(), help_text="填报期间代码",
        error_messages={"required": "请指定填报期间（period：期间代码）。",
                        "does_not_exist": "填报期间“{value}”不存在。",
                        "invalid": "填报期间代码无效。"})
    clear_blanks = serializers.BooleanField(
        default=False, help_text="空白单元格清空已填的值（默认：空白单元格不改变已保存的值）")
    overwrite = serializers.BooleanField(
        default=False,
        help_text="覆盖他人填写的值（仅对不是从本系统下载的文件；默认不覆盖其他人已保存的值）")

    def validate_file(self, upload):
        limit = settings.EXCEL_MAX_UPLOAD_BYTES
        if not upload.size:
            raise serializers.ValidationError(f"“{upload.name}”是空文件，未导入。")
        if upload.size > limit:
            raise serializers.ValidationError(
                f"“{upload.name}”：文件大小 {upload.size / 2**20:.1f} MB，"
                f"超过上限 {limit / 2**20:.0f} MB，未导入。")
        return upload


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField(help_text="姓名（未填时为用户名）")

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ImportJobSerializer(serializers.ModelSerializer):
    """An import job as its status page shows it; `status` pending/running means: poll again."""

    url = serializers.HyperlinkedIdentityField(view_name="api:import-detail")
    errors_url = serializers.HyperlinkedIdentityField(view_name="api:import-errors")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    finished = serializers.BooleanField(
        read_only=True, help_text="已结束（done 或 failed）；为 false 时稍后再次读取")
    period = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, label="填报期间",
        help_text="填报期间代码（完成值导入）；表13 导入为 null，见 year")
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    error = serializers.SerializerMethodField(help_text="失败时的总述（问题明细见 errors_url）")
    omitted = serializers.SerializerMethodField(help_text="计入 error_count 但未保留明细的问题数")
    created_by = PersonSerializer(read_only=True, allow_null=True)
    unit_codes = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                       read_only=True, help_text="只导入这些单位（代码）的行")
    notes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ImportJob
        fields = ["id", "url", "errors_url", "kind", "status", "status_display", "finished",
                  "progress", "period", "year", "original_name", "unit_codes", "channel",
                  "channel_display", "clear_blanks", "overwrite", "dry_run", "summary", "error",
                  "error_count", "omitted", "notes", "created_by", "created_at", "started_at",
                  "finished_at"]
        read_only_fields = fields

    def get_error(self, job) -> str | None:
        return failure(job)

    def get_omitted(self, job) -> int:
        return jobs.omitted(job)


def failure(job: ImportJob) -> str | None:
    """Why a failed job failed: the first line it kept (the status page's red line)."""
    if job.status != ImportStatus.FAILED:
        return None
    return job.errors[0] if job.errors else ""


class ProblemSerializer(serializers.Serializer):
    """One kept problem of a failed import."""

    number = serializers.IntegerField(help_text="问题序号（从 1 起，与上传结果页一致）")
    row = serializers.IntegerField(allow_null=True, help_text="文件中的行号（整个文件的问题为 null）")
    column = serializers.CharField(allow_null=True, help_text="列名（如“实际完成值”、“文件”）")
    field = serializers.CharField(
        allow_null=True, help_text="该列对应的填报字段（如 actual_value、spent）；其他列为 null")
    message = serializers.CharField(help_text="问题说明")
    text = serializers.CharField(help_text="上传结果页显示的整句")


def problem(number: int, text: str) -> dict:
    """A kept problem line of a job as its parts (the whole line as the message when it is
    not a row's problem, e.g. a file that cannot be read: its name is in the line)."""
    found = PROBLEM_TEXT.fullmatch(text)
    if found is None:
        return {"number": number, "row": None, "column": None, "field": None, "message": text,
                "text": text}
    column = found["column"]
    return {"number": number, "row": int(found["row"]) if found["row"] else None,
            "column": column, "field": COLUMN_FIELDS.get(column), "message": found["message"],
            "text": text}


def problems(job: ImportJob) -> list[dict]:
    """The problems the job kept, as the status page lists them (its first line is the
    headline: `error`)."""
    return [problem(number, text) for number, text in enumerate(job.errors[1:], start=1)]
