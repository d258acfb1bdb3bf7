"""JSON for the dashboard charts, with the pages' access checks.

Without ?unit= the data covers every unit (finance staff only; 404 for anyone else); with
?unit=<code> it covers that unit's projects (404 unless the user may see the unit). Decimals
become JSON numbers only here. A fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from performance.access import get_unit_for_user, require_finance_reviewer
from performance.monitoring.lights import time_progress
from performance.services.dashboard_cache import snapshot_version
from performance.services.overview import heat_map, summary, unit_rows
from performance.services.page_cache import cached
from performance.services.unit_dashboard import unit_dashboard

from .common import requested_period


def _num(value: Decimal | None, places: int = 2) -> float | None:
    return None if value is None else float(round(value, places))


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else _num(value * 100)


def _scope(request):
    """(period, unit or None) for the request, or Http404."""
    code = request.GET.get("unit")
    unit = get_unit_for_user(request.user, code) if code else None
    if unit is None:
        require_finance_reviewer(request.user)
    _, period = requested_period(request)
    if period is None:
        raise Http404("没有填报期间")
    return period, unit


def _respond(request, name: str, build) -> HttpResponse:
    """build(period, unit) as JSON. Over every unit the encoded JSON is cached per snapshot
    version of the period; a unit's own data is computed live."""
    period, unit = _scope(request)
    if unit is not None:
        return JsonResponse(build(period, unit))
    content = cached(f"dashboard-api-{name}", [period.id, snapshot_version([period])],
                     lambda: json.dumps(build(period, None), cls=DjangoJSONEncoder).encode())
    return HttpResponse(content, content_type="application/json")


def _light(light) -> str | None:
    return light.value if light else None


@require_GET
@login_required
def execution(request):
    """Budget execution rate (%) per unit, or per project of a unit, and the time progress."""
    return _respond(request, "execution", _execution)


def _execution(period, unit) -> dict:
    if unit is None:
        rows = [(r.code, r.name, r.budget, r.spent, r.rate, r.execution_light)
                for r in unit_rows(period)[0]]
    else:
        rows = [(str(p.id), p.name, p.budget, p.spent, p.rate, p.execution_light)
                for p in unit_dashboard(period, unit).projects]
    return {"period": period.code, "month": period.cutoff_month,
            "time_progress": _pct(time_progress(period.cutoff_month)),
            "items": [{"code": code, "name": name, "budget": _num(budget), "spent": _num(spent),
                       "rate": _pct(rate), "light": _light(light)}
                      for code, name, budget, spent, rate, light in rows]}


@require_GET
@login_required
def grades(request):
    """How many projects fall in each grade, by score so far and by projected score."""
    return _respond(request, "grades", _grades)


def _grades(period, unit) -> dict:
    data = summary(period) if unit is None else unit_dashboard(period, unit)
    names, current, projected = data.grade_table
    return {"period": period.code, "grades": names,
            "current": [n or 0 for n in current], "projected": [n or 0 for n in projected]}


@require_GET
@login_required
def heatmap(request):
    """Rows (units, or a unit's projects) × 一级指标: % of lit indicators red or yellow."""
    return _respond(request, "heatmap", _heatmap)


def _heatmap(period, unit) -> dict:
    if unit is None:
        heat = heat_map(period, [(r.id, r.code, r.name) for r in unit_rows(period)[0]])
    else:
        heat = unit_dashboard(period, unit).heat
    cells = []
    for r in range(len(heat.rows)):
        for c in range(len(heat.level1)):
            counts = heat.counts(r, c)
            if counts:
                cells.append({"row": r, "col": c, "behind": heat.share_behind(r, c),
                              "counts": counts})
    return {"period": period.code, "level1": heat.level1,
            "rows": [{"code": code, "name": name} for _, code, name in heat.rows],
            "cells": cells}
