"""The 结果应用 list (finance: every unit, with the override forms and the recompute button;
a unit's members and its 主管部门: their units, read-only), the override and its clearing,
and the workbook. Anyone who sees no unit gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_POST

from performance.access import sees_all_units, visible_units
from performance.excel.sheets import to_bytes
from performance.models import BudgetSuggestion, PeriodKind
from performance.services.periods import PERIOD_LIMIT, periods, pick_period
from performance.services.results import (
    OverrideInvalid,
    ResultsRefused,
    clear_override,
    compute_suggestions,
    override,
)
from performance.workflow import Channel

from .export import results_workbook
from .listing import (
    ACTIONS,
    GRADES,
    decorate,
    page_rows,
    read_filters,
    suggestions,
    unit_summary,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def _units(user) -> list:
    units = list(visible_units(user).order_by("code"))
    if not units:
        raise Http404("未找到该页面")
    return units


def _period(params):
    candidates = list(periods().filter(kind=PeriodKind.SELF_EVALUATION)[:PERIOD_LIMIT])
    code = params.get("period")
    period = pick_period(code, candidates)
    if code and (period is None or period.code != code):
        raise Http404("未找到该期间")
    return candidates, period


def _list_url(params: dict) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("results:list") + (f"?{query}" if query else "")


def _context(request, params, *, errors=None, posted=None) -> dict:
    units = _units(request.user)
    candidates, period = _period(params)
    context = {"periods": candidates, "period": period, "units": units, "grades": GRADES,
               "actions": ACTIONS, "finance": sees_all_units(request.user),
               "errors": errors or {}, "posted": posted or {}}
    if period is None:
        return context
    filters = read_filters(params, units)
    rows = suggestions(period, [u.id for u in units], filters)
    page = Paginator(page_rows(rows), PAGE_SIZE).get_page(params.get("page"))
    decorate(page.object_list, period)
    for row in page.object_list:
        row.errors = context["errors"].get(row.id, {})
        row.posted = context["posted"].get(row.id)
    query = {"period": period.code, **filters.query()}
    context.update(filters=filters, page=page, summary=unit_summary(rows), query=query,
                   query_string=urlencode(query), back=_list_url(
                       {**query, "page": params.get("page", "")}))
    return context


@require_GET
@login_required
def suggestion_list(request):
    return render(request, "results/list.html", _context(request, request.GET))


def _back_params(request) -> QueryDict:
    back = request.POST.get("back", "")
    return QueryDict(back.split("?", 1)[1] if "?" in back else "")


def _safe_back(request) -> str:
    back = request.POST.get("back", "")
    return back if back.startswith(reverse("results:list")) else reverse("results:list")


def _finance_suggestion(request, pk) -> BudgetSuggestion:
    if not sees_all_units(request.user):
        raise Http404("未找到该建议")
    found = (BudgetSuggestion.objects.select_related("project__unit", "period")
             .filter(pk=pk).first())
    if found is None:
        raise Http404("未找到该建议")
    return found


@require_POST
@login_required
def override_view(request, pk):
    found = _finance_suggestion(request, pk)
    data = request.POST
    try:
        if data.get("clear"):
            clear_override(found, request.user, version=_version(data), channel=Channel.PAGE)
            messages.success(request, f"已取消对“{found.project.name}”建议的调整。")
        else:
            override(found, request.user, data.get("action"), data.get("rate"),
                     data.get("amount"), data.get("reason"), version=_version(data),
                     channel=Channel.PAGE)
            messages.success(request, f"已调整“{found.project.name}”的建议。")
    except OverrideInvalid as exc:
        return _refused(request, found, exc.errors)
    except ResultsRefused as exc:
        return _refused(request, found, {"form": str(exc)})
    return redirect(_safe_back(request))


def _version(data) -> int:
    try:
        return int(data.get("version", ""))
    except ValueError:
        return -1  # never a row's version: refused as stale


def _refused(request, found, errors):
    context = _context(request, _back_params(request), errors={found.id: errors},
                       posted={found.id: request.POST})
    return render(request, "results/list.html", context, status=400)


@require_POST
@login_required
def compute(request):
    if not sees_all_units(request.user):
        raise Http404("未找到该页面")
    _, period = _period(request.POST)
    if period is None:
        raise Http404("未找到该期间")
    try:
        summary = compute_suggestions(period, user=request.user, channel=Channel.PAGE)
    except ResultsRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已计算结果应用建议：" + summary.text())
    return redirect(_list_url({"period": period.code}))


@require_GET
@login_required
def export(request):
    units = _units(request.user)
    _, period = _period(request.GET)
    if period is None:
        raise Http404("未找到该期间")
    filters = read_filters(request.GET, units)
    rows = suggestions(period, [u.id for u in units], filters)
    response = HttpResponse(to_bytes(results_workbook(period, rows)), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{period.code}-结果应用建议.xlsx")
    return response
