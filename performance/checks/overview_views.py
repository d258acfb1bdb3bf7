"""The finance overview of 抽查复核 per unit and its workbook (performance.checks.overview):
finance staff only, 404 for anyone else (performance.access.require_finance_reviewer)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from performance.access import require_finance_reviewer
from performance.excel.sheets import to_bytes
from performance.models import PeriodKind
from performance.services.periods import PERIOD_LIMIT, periods, pick_period

from .overview import DEVIATION_DANGER, DEVIATION_WARNING, period_overview
from .overview_export import overview_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    """The self-evaluation periods to choose from and the one asked for (?period=code), else
    the current one; a code that is not a self-evaluation period is 404."""
    candidates = list(periods().filter(kind=PeriodKind.SELF_EVALUATION)[:PERIOD_LIMIT])
    code = request.GET.get("period")
    period = pick_period(code, candidates)
    if code and (period is None or period.code != code):
        raise Http404("未找到该期间")
    return candidates, period


@require_GET
@login_required
def overview(request):
    require_finance_reviewer(request.user)
    candidates, period = _period(request)
    context = {"periods": candidates, "period": period, "warning": DEVIATION_WARNING,
               "danger": DEVIATION_DANGER}
    if period is not None:
        context["overview"] = period_overview(period)
    return render(request, "checks/overview.html", context)


@require_GET
@login_required
def overview_export(request):
    require_finance_reviewer(request.user)
    _, period = _period(request)
    if period is None:
        raise Http404("未找到该期间")
    response = HttpResponse(to_bytes(overview_workbook(period)), content_type=XLSX)
    name = f"{period.code}-抽查复核汇总.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
