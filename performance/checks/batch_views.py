"""The pages of 复核批次 (docs/checks.md, "The sample"): the list of batches, the draw, one batch
with its rules, its verification and its projects, and its workbook. Finance only: anyone else
gets 404 (performance.access.require_finance_reviewer)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from performance.access import require_finance_reviewer
from performance.excel.sheets import to_bytes
from performance.models import CheckBatch, CheckStatus
from performance.services.check_batches import DrawRefused, draw_batch, verify
from performance.workflow import Channel

from .batch_display import (
    batch_rows,
    checked_projects,
    describe_rules,
    mismatches,
    verification_text,
)
from .batch_export import batch_workbook
from .batch_forms import DrawForm, self_evaluation_periods

PAGE_SIZE = 50
ROWS_PER_PAGE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _batch_url(batch) -> str:
    return reverse("checks:batch", args=[batch.pk])


def _status_counts():
    return {f"n_{status.value}": Count("projects", filter=Q(projects__status=status))
            for status in CheckStatus}


@require_GET
@login_required
def batches(request):
    require_finance_reviewer(request.user)
    periods = list(self_evaluation_periods())
    code = request.GET.get("period", "")
    rows = (CheckBatch.objects.select_related("period", "drawn_by").defer("rules")
            .annotate(n_total=Count("projects"), **_status_counts())
            .order_by("-drawn_at", "-pk"))
    if code:
        rows = rows.filter(period__code=code)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "checks/batches.html", {
        "page": page, "periods": periods, "period_code": code, "statuses": CheckStatus})


@require_http_methods(["GET", "POST"])
@login_required
def draw(request):
    require_finance_reviewer(request.user)
    if request.method == "POST":
        form = DrawForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = draw_batch(data["period"], request.user, form.rules, name=data["name"],
                                   seed=data["seed"] or None, note=data["note"],
                                   channel=Channel.PAGE)
            except DrawRefused as refused:
                form.show_refusal(refused)
            else:
                messages.success(request, f"已抽取复核批次“{batch.name}”："
                                          f"{batch.projects.count()} 个项目。")
                return redirect(_batch_url(batch))
    else:
        form = DrawForm(initial={"period": self_evaluation_periods().first()})
    return render(request, "checks/draw.html", {"form": form})


def _batch(user, pk) -> CheckBatch:
    require_finance_reviewer(user)
    batch = CheckBatch.objects.select_related("period", "drawn_by").filter(pk=pk).first()
    if batch is None:
        raise Http404("未找到该复核批次")
    return batch


@require_GET
@login_required
def batch(request, pk):
    found = _batch(request.user, pk)
    result = verify(found)
    counts = dict(found.projects.order_by().values_list("status").annotate(n=Count("pk")))
    page = Paginator(checked_projects(found), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "checks/batch.html", {
        "batch": found, "rules": describe_rules(found), "verification": result,
        "verification_text": verification_text(result), "mismatches": mismatches(result),
        "counts": [(s.label, counts.get(s.value, 0)) for s in CheckStatus],
        "total": sum(counts.values()), "page": page, "rows": batch_rows(page.object_list)})


@require_GET
@login_required
def batch_export(request, pk):
    found = _batch(request.user, pk)
    response = HttpResponse(to_bytes(batch_workbook(found)), content_type=XLSX)
    name = f"{found.period.code}-抽查复核-{found.name}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
