"""The project page's live preview (static/entry/preview.js): a POST with the typed values of one
indicator (or the money spent) answered with the score and the reasons they will get, as JSON.
Only for who may save the page now: a filler of the unit, the record editable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from performance.access import get_project_for_user, project_rights
from performance.services.entry import read_only_reason
from performance.services.period_lock import unit_state

from .page import load_sheet
from .preview import UnknownIndicator, preview
from .project_views import _period


def _refused(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "message": message, "errors": {}}, status=status)


@login_required
@require_POST
def preview_view(request, pk):
    project = get_project_for_user(request.user, pk)  # 404 for who may not see it
    rights = project_rights(request.user, project)
    period, _ = _period(request, project)
    if not rights.fill:
        return _refused("只有本单位填报人可以填报。", 403)
    sheet = load_sheet(project, period)
    refused = read_only_reason(period, rights, sheet.record, unit_state(period, project.unit_id))
    if refused:
        return _refused(refused, 403)
    raw = request.POST.get("indicator", "")
    try:
        indicator_id = int(raw) if raw else None
        answer = preview(sheet, request.POST, indicator_id)
    except (ValueError, UnknownIndicator):
        return _refused("本项目在该期间没有这个指标。", 400)
    return JsonResponse(answer, status=200 if answer["ok"] else 400)
