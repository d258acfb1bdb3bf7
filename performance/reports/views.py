"""Downloads of the Word reports and the unit's zip (docs/reports.md). Every view starts from an
access helper: a project or unit the user may not see, a batch to anyone but finance, a job of
another unit — 404."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from performance.access import (
    get_project_for_user,
    get_report_job_for_user,
    get_unit_for_user,
    require_finance_reviewer,
)
from performance.models import CheckBatch, ReportJob, ReportJobStatus
from performance.services.periods import current_period, periods

from . import render as reports
from .jobs import retry_zip, start_zip

ACTIVE = (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING)


def _period(code: str | None, year: int | None = None):
    """The period with `code` (of `year`, when given), else the current one; 404 if none."""
    candidates = [p for p in periods() if year is None or p.year == year]
    if code:
        period = next((p for p in candidates if p.code == code), None)
    else:
        period = current_period(candidates)
    if period is None:
        raise Http404("未找到该期间")
    return period


def _docx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=reports.DOCX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_GET
@login_required
def self_evaluation(request, pk):
    project = get_project_for_user(request.user, pk)
    period = _period(request.GET.get("period"), project.year)
    return _docx(reports.render_self_evaluation(project, period),
                 reports.self_evaluation_name(project, period))


@require_GET
@login_required
def monitoring(request, unit_code):
    unit = get_unit_for_user(request.user, unit_code)
    period = _period(request.GET.get("period"))
    return _docx(reports.render_monitoring(unit, period), reports.monitoring_name(unit, period))


@require_GET
@login_required
def check(request, pk):
    require_finance_reviewer(request.user)
    batch = CheckBatch.objects.select_related("period", "drawn_by").filter(pk=pk).first()
    if batch is None:
        raise Http404("未找到该复核批次")
    return _docx(reports.render_check(batch), reports.check_name(batch))


@require_POST
@login_required
def zip_start(request, unit_code):
    """Start the unit's zip for the period (or follow the one already being built)."""
    unit = get_unit_for_user(request.user, unit_code)
    period = _period(request.POST.get("period"))
    # a job older than the task's time limit is not waited for: its worker is gone
    since = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    job = (ReportJob.objects.filter(unit=unit, period=period, status__in=ACTIVE,
                                    created_at__gte=since).order_by("-pk").first()
           or start_zip(unit, period, request.user))
    return redirect("reports:job", job.pk)


@require_POST
@login_required
def job_retry(request, pk):
    """Build a failed zip again (whoever may see its unit, as for starting one)."""
    found = get_report_job_for_user(request.user, pk)
    try:
        retry_zip(found)
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("reports:job", found.pk)


def _state(job: ReportJob) -> dict:
    finished = job.status not in ACTIVE
    return {
        "status": job.status, "status_label": job.get_status_display(), "done": job.done,
        "total": job.total, "percent": job.percent, "finished": finished,
        "error": job.error,
        "retry": (reverse("reports:job_retry", args=[job.pk])
                  if job.status == ReportJobStatus.FAILED else ""),
        "download": (reverse("reports:job_download", args=[job.pk])
                     if job.status == ReportJobStatus.DONE else ""),
    }


@require_GET
@login_required
def job(request, pk):
    found = get_report_job_for_user(request.user, pk)
    return render(request, "reports/job.html", {
        "job": found, "state": _state(found),
        "dashboard": (f"{reverse('dashboard:unit', args=[found.unit.code])}"
                      f"?period={found.period.code}")})


@require_GET
@login_required
def job_status(request, pk):
    return JsonResponse(_state(get_report_job_for_user(request.user, pk)))


@require_GET
@login_required
def job_download(request, pk):
    found = get_report_job_for_user(request.user, pk)
    if found.status != ReportJobStatus.DONE or not found.file:
        raise Http404("压缩包尚未生成")
    name = reports.safe_name(f"{found.period.year}_报告_{found.unit.code}_{found.period.code}",
                             ".zip")
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=name,
                        content_type="application/zip")
