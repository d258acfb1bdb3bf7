"""问题整改 pages (docs/rectification.md): the list with its filters and counts, one item with
its history, evidence and the forms of the steps the person may take, raising by hand
(finance) and the Excel export of the list as filtered.

Thin: every view starts from the access helper (404 for anyone without a role, or for an item
of another unit); what a person may do is performance.rectifying's, and the service refuses
the rest with a message that the page shows, keeping what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from performance import rectifying
from performance.access import (
    get_project_for_user,
    get_rectification_for_user,
    require_finance_reviewer,
    sees_all_units,
    user_roles,
    visible_rectifications,
    visible_units,
)
from performance.evidence.sniff import ACCEPT_ATTRIBUTE
from performance.excel.sheets import to_bytes
from performance.models import RectificationSource, RectificationStatus, ReportingPeriod
from performance.rectifying import RectificationAction
from performance.services import rectification as service
from performance.services.evidence import (
    evidence_of_rectification,
    max_file_bytes,
    max_files,
    rectification_refusal,
    size_text,
)
from performance.services.rectification import RectificationRefused, rectification_url
from performance.workflow import Channel

from . import forms
from .export import EXPORT_LIMIT, XLSX, rectification_workbook
from .filters import RectificationFilter, overdue_q

PER_PAGE = 50
HISTORY_LIMIT = 200
FORMS = {
    RectificationAction.START: forms.StartForm,
    RectificationAction.RESPOND: forms.RespondForm,
    RectificationAction.REPORT_DONE: forms.ReportDoneForm,
    RectificationAction.RETURN: forms.ReturnForm,
    RectificationAction.CONFIRM: forms.ConfirmForm,
    RectificationAction.EDIT: forms.EditForm,
}
SUCCESS = {
    RectificationAction.START: "已开始整改。",
    RectificationAction.RESPOND: "已选择应对方式，并已通知财政。",
    RectificationAction.REPORT_DONE: "已报送整改完成，等待财政确认。",
    RectificationAction.RETURN: "已退回整改，并已通知责任单位。",
    RectificationAction.CONFIRM: "已确认整改完成。",
    RectificationAction.EDIT: "已保存修改，并已通知责任单位。",
}


def _require_role(user) -> None:
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该页面")


def _filtered(request):
    items = (visible_rectifications(request.user)
             .select_related("unit", "project", "period", "indicator")
             .order_by("deadline", "id"))
    found = RectificationFilter(request.GET or None, queryset=items,
                                units=visible_units(request.user))
    return found, found.qs


# ------------------------------------------------------------------------------ list


@login_required
@require_GET
def item_list(request):
    _require_role(request.user)
    found, items = _filtered(request)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    visible = visible_rectifications(request.user).order_by()
    counts = dict(visible.values_list("status").annotate(n=Count("id")))
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rectification/list.html", {
        "filter": found, "page": page, "today": today, "query": query.urlencode(),
        "counts": [(value, label, counts.get(value, 0))
                   for value, label in RectificationStatus.choices],
        "overdue": visible.filter(overdue_q(today)).count(),
        "finance": sees_all_units(request.user),
        "rows": [_row(item, today) for item in page.object_list],
    })


def _row(item, today) -> dict:
    return {"item": item,
            "overdue": rectifying.is_overdue(item.status, item.deadline, today),
            "response_missing": rectifying.response_missing(item.source, item.response,
                                                            item.status),
            "warning": rectifying.is_warning(item.source)}


@login_required
@require_GET
def export(request):
    _require_role(request.user)
    found, items = _filtered(request)
    if found.is_bound and not found.is_valid():
        raise Http404("筛选条件有误")
    response = HttpResponse(to_bytes(rectification_workbook(items[:EXPORT_LIMIT],
                                                            timezone.localdate())),
                            content_type=XLSX)
    name = f"整改事项-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# ------------------------------------------------------------------------------ one item


@login_required
@require_GET
def detail(request, pk):
    item = get_rectification_for_user(request.user, pk)
    return _render(request, item)


def _render(request, item, *, bound=None, status=200):
    capacities = service.capacities(request.user, item)
    can = {action.value: rectifying.allowed(action, item.status, capacities,
                                            source=item.source, response=item.response)
           for action in RectificationAction}
    initial = {"version": item.version}
    shown = {action.value: FORMS[action](initial={
        **initial, **({"problem": item.problem, "required_action": item.required_action,
                       "deadline": item.deadline} if action == RectificationAction.EDIT else {}),
        **({"response": item.response} if action == RectificationAction.RESPOND else {})})
        for action in RectificationAction if can[action.value]}
    if bound is not None:
        shown[bound[0]] = bound[1]
    refusal = rectification_refusal(item, request.user)
    rows = evidence_of_rectification(item)
    for row in rows:
        row.deletable = refusal is None
    today = timezone.localdate()
    return render(request, "rectification/detail.html", {
        "item": item, "can": can, "forms": shown, "today": today,
        "overdue": rectifying.is_overdue(item.status, item.deadline, today),
        "warning": rectifying.is_warning(item.source),
        "response_missing": rectifying.response_missing(item.source, item.response,
                                                        item.status),
        "response_late": rectifying.response_late(
            item.response_deadline,
            timezone.localdate(item.responded_at) if item.responded_at else None),
        "history": list(item.history.select_related("history_user")
                        .order_by("-history_date", "-history_id")[:HISTORY_LIMIT]),
        "evidence": rows, "can_upload": refusal is None, "evidence_refusal": refusal,
        "accept": ACCEPT_ATTRIBUTE, "next": rectification_url(item) + "#evidence",
        "limits": f"单个文件不超过 {size_text(max_file_bytes())}，每次最多 {max_files()} 个",
        "project_url": (f"{reverse('entry:project', args=[item.project_id])}"
                        f"?period={item.period.code}"),
    }, status=status)


@login_required
@require_POST
def act(request, pk, action):
    item = get_rectification_for_user(request.user, pk)
    try:
        action = RectificationAction(action)
    except ValueError as exc:
        raise Http404("未找到该操作") from exc
    form = FORMS[action](request.POST)
    if not form.is_valid():
        messages.error(request, "填写有误，未保存，请修改后再提交。")
        return _render(request, item, bound=(action.value, form))
    data = form.cleaned_data
    try:
        _do(action, item, request.user, data)
    except RectificationRefused as exc:
        messages.error(request, str(exc))
        return _render(request, item, bound=(action.value, form))
    messages.success(request, SUCCESS[action])
    return redirect(rectification_url(item))


def _do(action, item, user, data):
    version = data["version"]
    if action == RectificationAction.START:
        return service.start(item, user, progress=data["progress"], version=version)
    if action == RectificationAction.RESPOND:
        return service.respond(item, user, data["response"], data["note"], version=version)
    if action == RectificationAction.REPORT_DONE:
        return service.report_done(item, user, data["progress"], version=version)
    if action == RectificationAction.RETURN:
        return service.send_back(item, user, data["reason"], version=version)
    if action == RectificationAction.CONFIRM:
        return service.confirm(item, user, version=version)
    return service.edit(item, user, problem=data["problem"],
                        required_action=data["required_action"], deadline=data["deadline"],
                        version=version)


# ------------------------------------------------------------------------------ by hand


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """Finance raises a 整改事项 by hand; from a project page, `?project=ID&period=CODE`."""
    require_finance_reviewer(request.user)
    project = None
    if request.GET.get("project"):
        project = get_project_for_user(request.user, request.GET["project"])
    if request.method == "POST":
        form = forms.RaiseForm(request.POST, project=project)
        if form.is_valid():
            data = form.cleaned_data
            period = ReportingPeriod.objects.get(code=data["period"])
            try:
                item, _ = service.raise_rectification(
                    project=data["project"], period=period, source=RectificationSource.MANUAL,
                    problem=data["problem"], required_action=data["required_action"],
                    deadline=data["deadline"], indicator=data["indicator_obj"],
                    user=request.user, channel=Channel.PAGE)
            except RectificationRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "已登记整改事项，并已通知责任单位的填报人和审核人。")
                return redirect(rectification_url(item))
    else:
        initial = {}
        if project is not None:
            initial = {"unit_code": project.unit.code, "project_name": project.name}
        if request.GET.get("period"):
            initial["period"] = request.GET["period"]
        form = forms.RaiseForm(initial=initial, project=project)
    return render(request, "rectification/new.html", {"form": form, "project": project})
