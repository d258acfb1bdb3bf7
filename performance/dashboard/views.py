"""The dashboard pages: the finance overview (all units) and a unit's own dashboard.

Every view goes through performance.access: a unit's page is 404 to those who may not see the
unit, the overview is 404 to anyone but finance staff (a unit member is sent to their unit).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from performance.access import (
    get_unit_for_user,
    require_finance_reviewer,
    sees_all_units,
    visible_units,
)
from performance.domain import Light
from performance.models import Indicator
from performance.monitoring.explain import explain_project_light
from performance.services.overview import LIGHTS, submission_progress
from performance.services.overview_page import OverviewPage
from performance.services.rectification_counts import UNIT_LIMIT as RECTIFICATION_UNITS
from performance.services.rectification_counts import counts_by_unit
from performance.services.snapshot import refresh_snapshots
from performance.services.unit_dashboard import unit_dashboard

from .common import project_link_factory, requested_period


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@require_GET
@login_required
def overview(request):
    """Finance staff: every unit of a period. Others: their own unit's dashboard."""
    if not sees_all_units(request.user):
        own = visible_units(request.user).order_by("code").first()
        if own is None:
            raise Http404("未找到该页面")
        url = reverse("dashboard:unit", args=[own.code])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    periods, period = requested_period(request)
    context = {"periods": periods, "period": period, "lights": LIGHTS}
    if period is None:
        return render(request, "dashboard/overview.html", context)
    context["overview"] = OverviewPage(period, periods, _page_number(request),
                                       project_link_factory(period))
    # Live (outside the cached content): one aggregated query.
    context["rectification_counts"] = list(counts_by_unit(limit=RECTIFICATION_UNITS).values())
    context["rectification_limit"] = RECTIFICATION_UNITS
    return render(request, "dashboard/overview.html", context)


@require_GET
@login_required
def unit(request, unit_code):
    """A unit's projects with live lights, scores so far and projected, and what is behind."""
    unit = get_unit_for_user(request.user, unit_code)
    periods, period = requested_period(request)
    context = {"unit": unit, "periods": periods, "period": period, "lights": LIGHTS}
    if period is not None:
        data = unit_dashboard(period, unit)
        link = project_link_factory(period)
        for line in data.projects:
            line.url = link(line.id, unit.code)
        explain_lights(data.projects, period.cutoff_month)
        context.update({
            "data": data,
            "progress": submission_progress([p for p in periods if p.year == period.year],
                                            scope=unit),
        })
    return render(request, "dashboard/unit.html", context)


def explain_lights(lines, month: int) -> None:
    """Give each project line (services.unit_dashboard.ProjectLine) `explanation`: why its light
    is that colour (performance.monitoring.explain), naming the indicators that made it so. One
    query for the names of the lit indicators, however many projects."""
    lit = {ind for line in lines for ind, light in line.live.indicators.items()
           if light and light is not Light.GREEN}
    names = dict(Indicator.objects.filter(id__in=lit).values_list("id", "name")) if lit else {}
    for line in lines:
        line.explanation = explain_project_light(
            line.light, [(names.get(ind, "（指标）"), light)
                         for ind, light in line.live.indicators.items()],
            line.execution_light, line.rate, month)


@require_POST
@login_required
def refresh(request):
    """Finance staff: recompute the stored scores and lights of a whole period."""
    require_finance_reviewer(request.user)
    _, period = requested_period(request)
    if period is None:
        raise Http404("未找到该期间")
    count = refresh_snapshots(period)
    messages.success(request, f"已重新计算 {period.name} {count} 个项目的得分和监控灯。")
    return redirect(f"{reverse('dashboard:overview')}?period={period.code}")
