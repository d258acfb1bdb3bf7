"""Actuals from the project list: download the fill-in template of one's unit, upload it
filled (only one's own units are written), follow the import on its progress page (its
problems 50 a page, with the count of those not kept), retry it when it failed."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from performance.access import fill_units, get_import_job_for_user, get_unit_for_user
from performance.excel import jobs
from performance.excel.errors import ExcelImportError
from performance.excel.report import report_workbook
from performance.excel.sheets import to_bytes
from performance.models import ImportStatus
from performance.services.entry import EntryRefused
from performance.services.periods import periods, pick_period
from performance.services.uploads import start_upload

from .forms import UploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROBLEMS_PER_PAGE = 50


@login_required
@require_GET
def template_download(request):
    """The 自评表/监控表 fill-in template of a unit the user may see, for a period."""
    unit = get_unit_for_user(request.user, request.GET.get("unit", ""))
    period = pick_period(request.GET.get("period"), list(periods()))
    if period is None:
        raise Http404("没有填报期间")
    content = to_bytes(report_workbook(period, unit, template=True))
    response = HttpResponse(content, content_type=XLSX)
    kind = "监控表" if period.is_monitoring else "自评表"
    name = f"{unit.code}-{period.code}-{kind}填报模板.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"template-{unit.code}-{period.code}.xlsx\"; "
        f"filename*=UTF-8''{quote(name)}")
    return response


@login_required
@require_POST
def upload(request):
    if not fill_units(request.user).exists():
        raise PermissionDenied("只有填报人可以上传完成值。")
    form = UploadForm(request.POST, request.FILES)
    home = reverse("entry:home")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(home)
    try:
        data = form.cleaned_data
        job = start_upload(data["file"], data["period"], request.user,
                           clear_blanks=data["clear_blanks"], overwrite=data["overwrite"])
    except (EntryRefused, ExcelImportError) as exc:
        messages.error(request, str(exc))
        return redirect(home)
    return redirect("entry:upload_status", job.pk)


@login_required
@require_GET
def upload_status(request, pk):
    job = get_import_job_for_user(request.user, pk)
    page = Paginator(job.errors[1:], PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "entry/upload_status.html", {
        "job": job, "refresh": not job.finished, "page": page, "omitted": jobs.omitted(job),
        "can_retry": job.status == ImportStatus.FAILED and job.created_by_id == request.user.pk,
        "home": f"{reverse('entry:home')}?period={job.period.code}" if job.period else "/",
    })


@login_required
@require_POST
def upload_retry(request, pk):
    """Run a failed upload again from its kept file: only whoever uploaded it."""
    job = get_import_job_for_user(request.user, pk)
    if job.created_by_id != request.user.pk:
        raise PermissionDenied("只有上传人可以重试该导入。")
    try:
        jobs.retry(job)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("entry:upload_status", job.pk)
