"""The project page (GET shows, POST saves a draft or saves and submits) and the reviewers'
actions (approve, return, reopen; the 主管部门's approve and return to the unit). Every view
starts from the access helper; the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from performance.access import department_tier, get_project_for_user, project_rights
from performance.checks.panel import check_panel
from performance.evidence.panel import evidence_panel
from performance.models import format_decimal
from performance.services.carry_over import previous_year
from performance.services.check_explanations import open_explanations_for
from performance.services.entry import EditConflict, EntryRefused, read_only_reason, save_entries
from performance.services.history import project_history
from performance.services.page_cache import cached_html, periods_key, project_version
from performance.services.period_lock import unit_state
from performance.services.periods import periods, pick_period
from performance.services.workflow import (
    Incomplete,
    WorkflowRefused,
    approve,
    department_approve,
    department_return,
    reopen,
    send_back,
    submission_problems,
    submit,
)
from performance.workflow import Action, Channel, PeriodState, WorkflowStatus, allowed, waiting_for

from .forms import ReturnForm, ReviewForm
from .page import attach_forms, load_sheet, rows_html


def _page_url(project, period) -> str:
    return f"{reverse('entry:project', args=[project.pk])}?period={period.code}"


def _period(request, project):
    candidates = [p for p in periods() if p.year == project.year]
    period = pick_period(request.GET.get("period") or request.POST.get("period"), candidates)
    if period is None:
        raise Http404("该年度没有填报期间")
    return period, candidates




@login_required
@require_http_methods(["GET", "POST"])
def project_page(request, pk):
    project = get_project_for_user(request.user, pk)
    rights = project_rights(request.user, project)
    period, candidates = _period(request, project)
    state = unit_state(period, project.unit_id)
    if request.method == "GET":
        # the same content for everyone with the same rights (a 主管部门审核人's included: its
        # capacity is one of them) and the same tier, until the data change; the evidence
        # shown (its ids) too, since what blocks a submission depends on it
        tiered = department_tier(project.unit)
        evidence = evidence_panel(request.user, project, period)
        previous = previous_year(project)  # last year's grade and suggestion (延续项目)
        content = cached_html(
            "project", [project.pk, period.pk, sorted(rights.capacities()),
                        rights.separation_key, state, tiered,
                        periods_key(candidates), project_version(project, period),
                        evidence["version"], previous.key if previous else ""],
            lambda extra: _content(project, period, candidates, rights, state, tiered=tiered,
                                   previous=previous, **extra),
            request)
        return _page(request, project, period, content, evidence)
    sheet = load_sheet(project, period)
    read_only = read_only_reason(period, rights, sheet.record, state)
    if read_only:
        messages.error(request, read_only)
        return redirect(_page_url(project, period))
    attach_forms(sheet, data=request.POST)
    forms = [row.form for row in sheet.rows] + [sheet.project_form]
    if all(form.is_valid() for form in forms):
        outcome = _save(request, sheet)
        if outcome is None:
            return redirect(_page_url(project, period))
        sheet = load_sheet(project, period)  # the other person's values, freshly read
        attach_forms(sheet, data=outcome.data, conflicts=outcome.conflicts)
    else:
        bad = sum(1 for form in forms if form.errors)
        messages.error(request, f"有 {bad} 处填写有误（已标红），未保存，请修改后再保存。")
    content = _content(project, period, candidates, rights, state,
                       tiered=department_tier(project.unit), csrf_token=get_token(request),
                       sheet=sheet)
    return _page(request, project, period, mark_safe(content))


def _page(request, project, period, content, evidence=None):
    """The page: its (cached) content, then what depends on the person and changes apart from
    the values, never cached: finance's questions to the unit (补充说明), the 复核 beside the
    self-score, and the 佐证材料 panel."""
    if evidence is None:
        evidence = evidence_panel(request.user, project, period)
    return render(request, "entry/project.html",
                  {"project": project, "period": period, "content": content,
                   "evidence": evidence,
                   "explanations": open_explanations_for(project, period),
                   "check_panel": check_panel(request.user, project, period)})


def _content(project, period, candidates, rights, state, csrf_token, tiered=False,
             sheet=None, previous=None) -> str:
    """The page's content for someone with `rights`, the period in `state` for the project's
    unit, `tiered` when the unit passes its 主管部门; `sheet` (with its forms) when a POST has
    read it, else read here. Uses no user and no request: see page_cache."""
    if sheet is None:
        sheet = load_sheet(project, period)
        if not read_only_reason(period, rights, sheet.record, state):
            attach_forms(sheet)
    read_only = read_only_reason(period, rights, sheet.record, state)
    problems = []
    if rights.fill and not read_only:
        problems = submission_problems(project, period, result=sheet.result,
                                       records=sheet.records, record=sheet.record)
    capacities = rights.capacities(Channel.PAGE)
    status = sheet.record.status if sheet.record else None
    own = rights.own(sheet.record)  # separation of duties: the submitter approves nothing
    previous = previous or previous_year(project)
    return render_to_string("entry/_project_content.html", {
        "previous": previous,
        "project": project, "period": period, "periods": candidates, "sheet": sheet,
        "rights": rights, "read_only": read_only, "editable": not read_only,
        "locked": state == PeriodState.LOCKED, "unit_open": state == PeriodState.UNIT_OPEN,
        "rows_html": rows_html(sheet, editable=not read_only),
        "problems": problems, "score": sheet.result.score,
        "entered": not sheet.result.nothing_entered,
        "history": project_history(project, period, sheet.indicators),
        "can_approve": allowed(Action.APPROVE, status, capacities, state) and not own,
        "can_return": allowed(Action.RETURN, status, capacities, state),
        "can_reopen": allowed(Action.REOPEN, status, capacities, state),
        "can_department_approve": (allowed(Action.DEPARTMENT_APPROVE, status, capacities, state)
                                   and not own),
        "can_department_return": allowed(Action.DEPARTMENT_RETURN, status, capacities, state),
        "tiered": tiered, "waiting_for": waiting_for(status),
        "return_form": ReturnForm(initial={"version": sheet.version, "period": period.code}),
        "review_form": ReviewForm(initial={"version": sheet.version, "period": period.code}),
        "csrf_token": csrf_token,
    })


class _Refused:
    """A refused save: the page shown again with `data` (merged) and the `conflicts`."""

    def __init__(self, data, conflicts=()):
        self.data, self.conflicts = data, conflicts


def _save(request, sheet) -> _Refused | None:
    """Save the posted forms (and submit when asked). None: done, redirect."""
    project, period, user = sheet.project, sheet.period, request.user
    entries = {row.indicator.id: row.form.entry() for row in sheet.rows}
    try:
        result = save_entries(project, period, user, entries, sheet.project_form.entry())
    except EditConflict as exc:
        messages.error(request, "保存未成功：其他人已修改了相同的内容，本次没有保存任何数据。")
        for conflict in exc.conflicts:
            messages.error(request, conflict.message())
        messages.warning(request, "页面已换成对方保存的值（冲突处）并保留你的其他修改，"
                                  "请核对后再次保存。")
        return _Refused(_merged_data(request.POST, exc.refresh), exc.conflicts)
    except EntryRefused as exc:
        messages.error(request, str(exc))
        return None
    saved = ""
    if result.changed:
        changed = "、".join(result.indicators[:5]) + ("等" if len(result.indicators) > 5 else "")
        parts = [f"指标 {changed}" if result.indicators else "", "预算执行数" if result.project else ""]
        saved = "，".join(p for p in parts if p)
    if request.POST.get("action") != "submit":
        if saved:
            messages.success(request, f"已保存草稿：{saved}。")
        else:
            messages.info(request, "没有需要保存的修改。")
        return None
    try:
        submit(project, period, user)
    except Incomplete as exc:
        messages.error(request, f"{'已保存为草稿，但' if saved else ''}还有 {len(exc.problems)} 项未完成，"
                                "不能提交（见页面上的清单）。")
    except WorkflowRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已提交审核，等待本单位审核人审核。")
    return None


def _merged_data(posted, refresh: dict):
    """The posted data with the saved values of what someone else changed, and the current
    versions, so that saving again writes only this user's own changes."""
    data = posted.copy()
    for indicator_id, (version, values) in refresh.items():
        prefix = f"i{indicator_id}" if indicator_id is not None else "p"
        data[f"{prefix}-version"] = "" if version is None else str(version)
        for name, value in values.items():
            key = f"{prefix}-{name}"
            if isinstance(value, list):
                data.setlist(key, value)
            else:
                data[key] = "" if value is None else _text(value)
    return data


def _text(value) -> str:
    return format_decimal(value) if hasattr(value, "quantize") else str(value)


# what each reviewer's action needs (a reason or not) and what it says when done
_DONE = {send_back: "已退回填报人修改。", reopen: "已重新打开，退回填报人修改。",
         department_return: "已退回单位审核人重新审核。", department_approve: "主管部门已审核通过。"}
_WITH_REASON = (send_back, reopen, department_return)


def _review_action(request, pk, act):
    project = get_project_for_user(request.user, pk)
    period, _ = _period(request, project)
    form = (ReturnForm if act in _WITH_REASON else ReviewForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(_page_url(project, period))
    version = form.cleaned_data["version"]
    try:
        if act in _WITH_REASON:
            act(project, period, request.user, form.cleaned_data["reason"], version=version)
        else:
            record = act(project, period, request.user, version=version)
    except WorkflowRefused as exc:
        messages.error(request, str(exc))
    else:
        if act is approve:
            messages.success(request, "已审核通过，报主管部门审核。"
                             if record.status == WorkflowStatus.UNIT_APPROVED else "已审核通过。")
        else:
            messages.success(request, _DONE[act])
    return redirect(_page_url(project, period))


@login_required
@require_POST
def approve_view(request, pk):
    return _review_action(request, pk, approve)


@login_required
@require_POST
def return_view(request, pk):
    return _review_action(request, pk, send_back)


@login_required
@require_POST
def reopen_view(request, pk):
    return _review_action(request, pk, reopen)


@login_required
@require_POST
def department_approve_view(request, pk):
    return _review_action(request, pk, department_approve)


@login_required
@require_POST
def department_return_view(request, pk):
    return _review_action(request, pk, department_return)
