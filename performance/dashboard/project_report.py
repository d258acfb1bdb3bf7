"""One project's 自评表 (or 监控表) for a period: the unit's report restricted to the project, as
Excel and as the printable page, linked from the project page. Anyone who may see the project
(performance.access.get_project_for_user) may read it; anyone else gets 404. The queries are
those of the unit's report, a fixed number."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from performance.access import get_project_for_user
from performance.excel.report import kind, report_blocks, report_workbook
from performance.excel.sheets import to_bytes
from performance.services.periods import periods, pick_period

from .reports import file_name, print_context, with_drafts, xlsx_response


def _project_and_period(request, pk):
    project = get_project_for_user(request.user, pk)
    candidates = [p for p in periods() if p.year == project.year]
    code = request.GET.get("period")
    period = pick_period(code, candidates)
    if period is None or (code and period.code != code):
        raise Http404("未找到该期间")
    return project, period


@require_GET
@login_required
def project_report_xlsx(request, pk):
    project, period = _project_and_period(request, pk)
    drafts = with_drafts(request)
    content = to_bytes(report_workbook(period, project.unit, project=project, drafts=drafts))
    return xlsx_response(content, file_name(kind(period), project.unit.code, project.name,
                                            period.name))


@require_GET
@login_required
def project_report_print(request, pk):
    project, period = _project_and_period(request, pk)
    drafts = with_drafts(request)
    blocks = report_blocks(period, project.unit, project=project, drafts=drafts)
    return render(request, "dashboard/report_print.html", print_context(
        project.unit, period, blocks, drafts, project=project,
        back=(reverse("entry:project", args=[project.pk]), "返回项目页")))
