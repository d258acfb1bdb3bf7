"""佐证材料: upload (POST, back to the page it came from), download (only through here, after
the access checks) and delete. Every view starts from the access helper; the service decides
(docs/evidence.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import FileResponse, Http404
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from performance.access import get_evidence_for_user, get_project_for_user, sees_all_units
from performance.models import CheckedProject, Indicator, Rectification, ReportingPeriod
from performance.services.evidence import (
    EvidenceRefused,
    delete_evidence,
    max_file_bytes,
    max_files,
    max_request_bytes,
    size_text,
    upload_evidence,
)


def _back(request, url: str, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default


def _project_url(project, period) -> str:
    return f"{reverse('entry:project', args=[project.pk])}?period={period.code}#evidence"


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@login_required
@require_POST
def upload(request):
    """Files for a project in a period (of an indicator, of a 复核 opinion with `checked`, or
    of a 整改事项 with `rectification`). The project, the period, `checked`, `rectification`
    and `next` may come in the query string, so that an
    upload too large to read is refused before its body is touched."""
    length = _content_length(request)
    too_big = length > max_request_bytes()

    def param(name):
        return request.GET.get(name) or ("" if too_big else request.POST.get(name, ""))

    project = get_project_for_user(request.user, param("project"))
    period = ReportingPeriod.objects.filter(code=param("period"), year=project.year).first()
    if period is None:
        raise Http404("未找到该期间")
    back = _back(request, param("next"), _project_url(project, period))
    if too_big:
        messages.error(request, f"本次上传共 {size_text(length)}，超过一次上传的上限"
                                f"（单个文件不超过 {size_text(max_file_bytes())}，每次最多 "
                                f"{max_files()} 个），没有保存任何文件。")
        return redirect(back)
    checked = None
    if param("checked"):
        if not sees_all_units(request.user) or not param("checked").isdigit():
            raise Http404("未找到该复核项目")
        checked = CheckedProject.objects.filter(pk=param("checked"), project=project,
                                                period=period).first()
        if checked is None:
            raise Http404("未找到该复核项目")
    rectification = None
    if param("rectification"):
        rectification = (Rectification.objects.select_related("project")
                         .filter(pk=param("rectification"), project=project, period=period)
                         .first() if param("rectification").isdigit() else None)
        if rectification is None:
            raise Http404("未找到该整改事项")
        back = _back(request, param("next"),
                     reverse("rectification:detail", args=[rectification.pk]) + "#evidence")
    indicator = None
    if param("indicator"):
        indicator = (Indicator.all_objects.filter(pk=param("indicator"), project=project).first()
                     if param("indicator").isdigit() else None)
        if indicator is None:
            raise Http404("未找到该指标")
    try:
        files = request.FILES.getlist("files")
    except (RequestDataTooBig, TooManyFilesSent, MultiPartParserError):
        messages.error(request, f"上传的内容无法读取或文件过多（每次最多 {max_files()} 个），"
                                "没有保存任何文件。")
        return redirect(back)
    try:
        rows = upload_evidence(project, period, request.user, files, indicator=indicator,
                               checked=checked, note=request.POST.get("note", ""),
                               rectification=rectification)
    except EvidenceRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
        if len(files) > 1:
            messages.error(request, "以上问题须全部解决，本次没有保存任何文件。")
    else:
        messages.success(request, f"已上传 {len(rows)} 个文件：" + "、".join(r.name for r in rows))
    return redirect(back)


@login_required
@require_GET
def download(request, pk):
    """The file as an attachment under its original name (RFC 5987 filename* for Chinese),
    with the type found in its content; never rendered by the browser."""
    evidence = get_evidence_for_user(request.user, pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("该文件已不在存储中") from exc
    response = FileResponse(handle, as_attachment=True, filename=evidence.name,
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete(request, pk):
    evidence = get_evidence_for_user(request.user, pk)
    back = _back(request, request.POST.get("next", ""),
                 _project_url(evidence.project, evidence.period))
    try:
        delete_evidence(evidence, request.user)
    except EvidenceRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除「{evidence.name}」。")
    return redirect(back)
