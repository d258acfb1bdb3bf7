"""Home: the projects of the user's units in a period (finance staff: every unit, plus a
per-unit summary), filtered, sorted and paginated in SQL, exportable to Excel as filtered.
The filters and the table are cached per data version (performance.services.page_cache)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from budget.models import Role, Unit
from performance.access import (
    department_tier_enabled,
    fill_units,
    sees_all_units,
    user_roles,
    visible_units,
)
from performance.excel.sheets import rows_workbook, to_bytes
from performance.models import ImportJob, ImportKind
from performance.services.listing import project_rows, unit_summary, visible_projects
from performance.services.page_cache import cached_html, listing_version
from performance.services.periods import periods, pick_period
from performance.services.queues import for_request as review_queues

from .filters import ProjectFilter
from .forms import UploadForm
from .tables import ProjectTable, UnitSummaryTable

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filterset(request, period) -> ProjectFilter:
    """The filters of the GET over the projects of `period` the user may see."""
    user = request.user
    units = Unit.objects.all() if sees_all_units(user) else visible_units(user)
    return ProjectFilter(request.GET or None, queryset=project_rows(period, user),
                         units=units, projects=visible_projects(period, user))


@login_required
@require_GET
def home(request):
    user = request.user
    candidates = list(periods())
    period = pick_period(request.GET.get("period"), candidates)
    finance = sees_all_units(user)
    department = any(role == Role.DEPARTMENT_REVIEWER for _, role in user_roles(user))
    context = {"period": period, "periods": candidates, "finance": finance,
               "department": department}
    if period is None:
        return render(request, "entry/home.html", context)
    scope = "all" if finance else sorted({u for u, _ in user_roles(user) if u is not None})
    query = sorted((key, tuple(values)) for key, values in request.GET.lists())
    context["listing"] = cached_html(
        "listing", [period.pk, scope, query, department_tier_enabled(), listing_version(period)],
        lambda extra: _render_listing(request, period, finance))
    # what waits for the person's review in this period, first (shared with the header)
    context["queues"] = review_queues(request).of_period(period)
    units = list(fill_units(user))
    context.update({
        "fill_units": units,
        "upload_form": UploadForm(initial={"period": period.code}) if units else None,
        "recent_uploads": (ImportJob.objects.filter(created_by=user, kind=ImportKind.ACTUALS)
                           .select_related("period")[:5] if units else []),
    })
    return render(request, "entry/home.html", context)


def _render_listing(request, period, finance) -> str:
    """The filters and the table (or, for finance staff, the per-unit summary) of the page.
    Rendered without the user: what it shows depends only on the cache key's parts."""
    filterset = _filterset(request, period)
    # finance staff: the per-unit summary is a tab of its own (one grouped query over every
    # project), so the project list does not pay for it
    units_view = finance and request.GET.get("view") == "units"
    table = summary = None
    if units_view:
        summary = UnitSummaryTable(unit_summary(filterset.qs), prefix="u-", period=period)
        RequestConfig(request, paginate={"per_page": 50}).configure(summary)
    else:
        table = ProjectTable(filterset.qs, period=period)
        # the paginator's count without the record join when no filter needs the record
        table.data._length = filterset.count()
        RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    query = request.GET.copy()
    for key in ("page", "sort", "u-page", "u-sort", "view"):
        query.pop(key, None)
    return render_to_string("entry/_listing.html", {
        "request": request, "period": period, "finance": finance, "filter": filterset,
        "table": table, "summary": summary, "export_query": query.urlencode(),
        "units_view": units_view,
    })


@login_required
@require_GET
def export(request):
    """The filtered rows (all pages, in the chosen order) as an Excel workbook; names that look
    like formulas stay text (performance.excel.sheets.keep_text)."""
    period = pick_period(request.GET.get("period"), list(periods()))
    if period is None:
        return home(request)
    table = ProjectTable(_filterset(request, period).qs, period=period)
    RequestConfig(request, paginate=False).configure(table)
    content = to_bytes(rows_workbook(f"项目 {period.code}", table.as_values()))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"projects-{period.code}.xlsx")
    return response
