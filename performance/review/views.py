"""Review pages: per unit and year, filterable by severity, rule and status, exportable to Excel;
POST endpoints for the finance reviewer's decisions and for the confirmations and returns of the
unit's and the department's reviewers before the finance result (signoffs.py). Every view goes
through the access helper.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from budget.models import BudgetLine, Project
from performance.access import (
    ProjectRights,
    get_project_for_user,
    get_unit_for_user,
    sees_all_units,
    visible_units,
)
from performance.models import TargetReviewResult

from . import signoffs
from .decisions import accept_finding, record_project_review, reopen_finding
from .export import findings_workbook
from .findings import RULES, Severity
from .service import STATUSES, review_unit
from .signoff_rules import (
    CAPACITY,
    CONFIRM,
    FINANCE,
    LEVEL_TEXT,
    ORDER,
    RETURN,
    acts,
    return_target_text,
)


class FilterForm(forms.Form):
    severity = forms.ChoiceField(
        label="严重程度", required=False, choices=[("", "全部")] + [(s.value, s.label) for s in Severity]
    )
    rule = forms.ChoiceField(
        label="规则", required=False,
        choices=[("", "全部")] + [(code, info.title) for code, info in RULES.items()],
    )
    status = forms.ChoiceField(label="状态", required=False, choices=list(STATUSES.items()))

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "severity": data.get("severity") or None,
            "rule": data.get("rule") or None,
            "status": data.get("status") or "open",
        }


class AcceptForm(forms.Form):
    key = forms.CharField(max_length=500)
    note = forms.CharField(label="接受说明", widget=forms.Textarea)


class ProjectReviewForm(forms.Form):
    result = forms.ChoiceField(label="审核结果", choices=TargetReviewResult.choices)
    note = forms.CharField(label="审核意见", required=False, widget=forms.Textarea)


class SignoffForm(forms.Form):
    action = forms.ChoiceField(choices=[(CONFIRM, "确认"), (RETURN, "退回")])
    level = forms.ChoiceField(choices=[(level, level) for level in ORDER], required=False)
    note = forms.CharField(label="意见或退回原因", required=False, widget=forms.Textarea)


@require_GET
@login_required
def index(request):
    """The units and years the user may review."""
    units = visible_units(request.user)
    pairs = {}
    for model in (Project, BudgetLine):
        for row in (model.objects.filter(unit__in=units)
                    .values("unit__code", "unit__name", "year").annotate(n=Count("id"))):
            pairs[(row["unit__code"], row["year"])] = row["unit__name"]
    waiting = _waiting_for_user(request.user, units)
    entries = [
        {"code": code, "name": name, "year": year, "waiting": waiting.get((code, year), 0)}
        for (code, year), name in sorted(pairs.items(), key=lambda item: (item[0][0], -item[0][1]))
    ]
    return render(request, "review/index.html", {"entries": entries})


def _waiting_for_user(user, units) -> dict:
    """(unit code, year) → how many projects wait for a level `user` acts at: their queue."""
    projects = list(Project.objects.filter(unit__in=units).select_related("unit")
                    .only("id", "year", "unit", "unit__code", "unit__department"))
    states = signoffs.project_signoffs(projects)
    found: dict = {}
    capacities: dict = {}
    for project in projects:
        waiting = states[project.id].state.waiting_for
        held = capacities.setdefault(project.unit_id,
                                     ProjectRights(user, project.unit_id).capacities())
        if waiting and CAPACITY[waiting] in held:
            key = (project.unit.code, project.year)
            found[key] = found.get(key, 0) + 1
    return found


def _report(request, unit_code, year):
    unit = get_unit_for_user(request.user, unit_code)
    form = FilterForm(request.GET or None)
    filters = form.filters()
    report = review_unit(unit, year)
    return unit, form, filters, report


@require_GET
@login_required
def unit_review(request, unit_code, year):
    unit, form, filters, report = _report(request, unit_code, year)
    findings = report.select(**filters)
    projects = list(Project.objects.filter(unit=unit, year=year)
                    .select_related("unit", "target_review__reviewer").order_by("id"))
    capacities = ProjectRights(request.user, unit.id).capacities()
    states = signoffs.project_signoffs(projects)
    chain = next(iter(states.values())).state.levels if states else ()
    query = urlencode({k: v for k, v in request.GET.items() if k in form.fields})
    return render(request, "review/unit.html", {
        "unit": unit,
        "year": year,
        "form": form,
        "rows": [(f, report.decision(f)) for f in findings],
        "counts": [(s, n) for s, n in report.counts(filters["status"]).items()],
        "accepted_count": len(report.select(status="accepted")),
        "projects": [_project_row(p, states[p.id], capacities) for p in projects],
        "results": TargetReviewResult.choices,
        "can_decide": sees_all_units(request.user),
        "can_act": bool(capacities & set(CAPACITY.values())),
        "chain_text": ("审核流程：" + " → ".join(LEVEL_TEXT[level] for level in chain)) if chain else "",
        "export_url": reverse("review:export", args=[unit.code, year]) + (f"?{query}" if query else ""),
        "here": request.get_full_path(),
    })


def _project_row(project, found, capacities) -> dict:
    state = found.state
    waiting = state.waiting_for
    confirmed = found.confirmations
    return {"project": project, "review": getattr(project, "target_review", None),
            "state": state, "steps": found.steps, "acts": acts(state, capacities),
            "waiting": waiting, "waiting_text": LEVEL_TEXT.get(waiting, ""),
            "return_to": return_target_text(waiting, state.levels) if waiting else "",
            "levels": [(LEVEL_TEXT[level], confirmed.get(level)) for level in state.levels
                       if level != FINANCE]}


@require_GET
@login_required
def export(request, unit_code, year):
    unit, form, filters, report = _report(request, unit_code, year)
    content = findings_workbook(report, report.select(**filters), title=f"{unit.code}-{year}目标审核")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="review-{unit.code}-{year}.xlsx"'
    return response


def _decider_unit(request, unit_code):
    """The unit (404 for those who may not see it), and only for a finance reviewer (403)."""
    unit = get_unit_for_user(request.user, unit_code)
    if not sees_all_units(request.user):
        raise PermissionDenied("只有财政审核人可以作出审核决定。")
    return unit


def _back(request, unit_code, year):
    target = request.POST.get("next", "")
    page = reverse("review:unit", args=[unit_code, year])
    return redirect(target if target.startswith(page) else page)


@require_POST
@login_required
def accept(request, unit_code, year):
    unit = _decider_unit(request, unit_code)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写接受说明。")
        return _back(request, unit.code, year)
    finding = review_unit(unit, year).find(form.cleaned_data["key"])
    if finding is None:
        raise Http404("该审核问题已不存在（数据可能已修改），请刷新页面。")
    try:
        accept_finding(finding, unit=unit, user=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已接受：{finding.rule_title}（{finding.project_name or '预算表'}）。")
    return _back(request, unit.code, year)


@require_POST
@login_required
def reopen(request, unit_code, year):
    unit = _decider_unit(request, unit_code)
    if reopen_finding(request.POST.get("key", ""), unit=unit):
        messages.success(request, "已撤销接受，该问题重新列为待处理。")
    return _back(request, unit.code, year)


@require_POST
@login_required
def project_result(request, pk):
    project = get_object_or_404(Project.objects.select_related("unit"), pk=pk)
    unit = _decider_unit(request, project.unit.code)
    form = ProjectReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果。")
        return _back(request, unit.code, project.year)
    try:
        review = record_project_review(project, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"项目“{project.name}”审核结果：{review.get_result_display()}。")
    return _back(request, unit.code, project.year)


@require_POST
@login_required
def project_signoff(request, pk):
    """A unit's or a department's reviewer confirms the project's review, or returns it."""
    project = get_project_for_user(request.user, pk)
    capacities = ProjectRights(request.user, project.unit_id).capacities()
    if not capacities & set(CAPACITY.values()):
        raise PermissionDenied("只有审核人可以确认或退回目标审核。")
    form = SignoffForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择确认或退回。")
        return _back(request, project.unit.code, project.year)
    data = form.cleaned_data
    try:
        if data["action"] == CONFIRM:
            step = signoffs.confirm(project, request.user, note=data["note"],
                                    level=data["level"] or None)
        else:
            step = signoffs.send_back(project, request.user, data["note"],
                                      level=data["level"] or None)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        chain = signoffs.state_for(project).levels
        messages.success(request, f"项目“{project.name}”：{signoffs.done_text(step, chain)}。")
    return _back(request, project.unit.code, project.year)
