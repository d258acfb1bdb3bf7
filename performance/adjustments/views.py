"""The pages of target adjustments: 调整申请 for a project, 年中追加 for a unit, a proposal with
its diff and its steps, and the queue (docs/adjustments.md).

Every view starts from the access helper (an outsider gets 404); what a person may do is
performance.chain's and the services' business: the pages only offer what chain.allowed says
and show the services' refusals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from performance import chain
from performance.access import (
    ProjectRights,
    department_tier,
    fill_units,
    get_project_for_user,
    get_unit_for_user,
    project_rights,
)
from performance.chain import ChainAction, VersionStatus
from performance.models import TargetVersion
from performance.review.service import expected_weight_total
from performance.services import adjustment_chain, adjustments
from performance.services.adjustments import AdjustmentRefused
from performance.services.midyear import create_midyear_project
from performance.services.periods import periods
from performance.workflow import Channel

from . import queue as queues
from .display import diff_rows
from .forms import (
    Levels,
    MidyearForm,
    ProposalForm,
    StepForm,
    drafts_of,
    form_problems,
    read_only,
    row_forms,
    show_problems,
)

PAGE_SIZE = 50


def _detail(version) -> str:
    return reverse("adjustments:detail", args=[version.pk])


# -- 调整申请 ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose(request, pk):
    project = get_project_for_user(request.user, pk)
    rights = project_rights(request.user, project)
    proposal = adjustments.open_proposal(project)
    source = adjustments.draft_from(proposal if proposal is not None else project)
    levels = Levels.read()
    posted = request.POST if request.method == "POST" else None
    formset = row_forms(levels, source.indicators, posted)
    form = ProposalForm(posted, initial=ProposalForm.initial_from(source))
    problems = []
    if posted is not None:
        outcome = _save(request, project, formset, form)
        if isinstance(outcome, TargetVersion):
            return redirect(_detail(outcome))
        problems = outcome
    editable = rights.fill and (proposal is None or proposal.status in chain.EDITABLE)
    if not editable:
        read_only(formset, form)
    todo = []
    if editable and proposal is not None and posted is None:
        # what submitting would refuse (performance.services.adjustment_chain.submit)
        todo = adjustments.submission_problems(proposal)
    returned = (proposal.steps.filter(action=ChainAction.RETURN).select_related("by").last()
                if proposal is not None and proposal.status == VersionStatus.RETURNED else None)
    return render(request, "adjustments/propose.html", {
        "project": project, "proposal": proposal, "rights": rights, "editable": editable,
        "formset": formset, "form": form, "problems": problems, "todo": todo,
        "returned": returned,
        "in_force": adjustments.current_version(project),
        "expected_weight": expected_weight_total(), "midyear": False,
    })


def _save(request, project, formset, form):
    """Save the posted proposal (and submit it when asked): the proposal when done, else the
    problems to show with the forms."""
    if not (formset.is_valid() and form.is_valid()):
        problems = form_problems(formset, form)
        messages.error(request, f"有 {len(problems)} 处填写有误，未保存，请修改后再保存。")
        return problems
    drafts, rows = drafts_of(formset)
    try:
        version = adjustments.save_proposal(project, request.user, form.proposal(drafts))
    except AdjustmentRefused as exc:
        messages.error(request, f"有 {len(exc.problems)} 处问题，未保存，请修改后再保存。")
        return show_problems(exc.problems, formset, form, rows)
    return _submit_if_asked(request, version, formset, form, rows)


def _submit_if_asked(request, version, formset, form, rows):
    if request.POST.get("action") != "submit":
        messages.success(request, "已保存调整申请草稿。提交审核后由本单位审核人审核。")
        return version
    try:
        adjustment_chain.submit(version, request.user)
    except AdjustmentRefused as exc:
        messages.error(request, f"已保存为草稿，但还有 {len(exc.problems)} 处问题，不能提交。")
        return show_problems(exc.problems, formset, form, rows)
    messages.success(request, "已提交审核，等待本单位审核人审核。")
    return version


# -- 年中追加 ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def midyear(request, unit_code):
    unit = get_unit_for_user(request.user, unit_code)
    can_fill = ProjectRights(request.user, unit.id).fill
    years = sorted({p.year for p in periods()} | {timezone.localdate().year}, reverse=True)
    levels = Levels.read()
    posted = request.POST if request.method == "POST" else None
    formset = row_forms(levels, (), posted, extra=6)
    form = MidyearForm(posted, years=years, initial={"year": years[0]})
    problems = []
    if posted is not None:
        if formset.is_valid() and form.is_valid():
            drafts, rows = drafts_of(formset)
            data = form.cleaned_data
            try:
                project = create_midyear_project(
                    unit, request.user, name=data["name"], category=data["category"],
                    budget_amount=data["budget_amount"], year=data["year"],
                    data=form.proposal(drafts), channel=Channel.PAGE)
            except AdjustmentRefused as exc:
                problems = show_problems(exc.problems, formset, form, rows)
                messages.error(request, f"有 {len(problems)} 处问题，未保存，请修改后再保存。")
            else:
                version = adjustments.open_proposal(project)
                outcome = _submit_if_asked(request, version, formset, form, rows)
                if isinstance(outcome, TargetVersion):
                    return redirect(_detail(version))
                return redirect(reverse("adjustments:propose", args=[project.pk]))
        else:
            problems = form_problems(formset, form)
            messages.error(request, f"有 {len(problems)} 处填写有误，未保存，请修改后再保存。")
    if not can_fill:
        read_only(formset, form)
    return render(request, "adjustments/midyear.html", {
        "unit": unit, "editable": can_fill, "formset": formset, "form": form,
        "problems": problems, "expected_weight": expected_weight_total(), "midyear": True,
    })


# -- one proposal ------------------------------------------------------------------------------------


def _version_for(user, pk) -> tuple[TargetVersion, object]:
    version = (TargetVersion.objects.select_related("based_on", "created_by", "decided_by")
               .filter(pk=pk).first())
    if version is None:
        raise Http404("未找到该调整申请")
    project = get_project_for_user(user, version.project_id)
    version.project = project  # with its unit and 年度目标, read by the access helper
    return version, project


@login_required
@require_GET
def detail(request, pk):
    version, project = _version_for(request.user, pk)
    rights = project_rights(request.user, project)
    capacities = rights.capacities(Channel.PAGE)
    status = version.status
    submitted = status not in chain.EDITABLE and status != VersionStatus.WITHDRAWN
    # a draft's chain is decided when it is submitted: until then, the one it would take
    tier = version.department_tier if submitted else department_tier(project.unit)
    can = {action.value: chain.allowed(action, status, capacities, tier) for action in
           (ChainAction.SUBMIT, ChainAction.WITHDRAW, ChainAction.APPROVE, ChainAction.RETURN)}
    steps = list(version.steps.select_related("by"))
    if can["approve"] and adjustments.own_proposal(version, request.user, steps):
        can["approve"] = False  # separation of duties: not one's own proposal
    final = can["approve"] and chain.next_status(ChainAction.APPROVE, status, tier) == \
        VersionStatus.APPROVED
    base = version.based_on
    return render(request, "adjustments/detail.html", {
        "version": version, "project": project, "rights": rights, "base": base,
        "lines": diff_rows(adjustments.diff(version)),
        "findings": adjustments.new_findings(version) if status in chain.OPEN else [],
        "steps": steps,
        "versions": list(TargetVersion.objects.filter(project=project).order_by("number")),
        "chain_levels": chain.levels(tier), "waiting_for": chain.waiting_for(status),
        "can": can, "final": final,
        "can_edit": rights.fill and status in chain.EDITABLE,
        "budget_changed": base is not None and base.effective_budget != version.effective_budget,
        "goal_changed": base is not None and base.goal.strip() != version.goal.strip(),
        "step_form": StepForm(initial={"status": status,
                                       "effective_from": version.effective_from}),
    })


STEPS = {
    "submit": ("已提交审核。", lambda v, u, d: adjustment_chain.submit(v, u)),
    "withdraw": ("已撤回调整申请。",
                 lambda v, u, d: adjustment_chain.withdraw(v, u, reason=d["reason"])),
    "approve": ("已审核通过。", lambda v, u, d: adjustment_chain.approve(
        v, u, reason=d["reason"], effective_from=d["effective_from"])),
    "return": ("已退回。", lambda v, u, d: adjustment_chain.send_back(v, u, d["reason"])),
}


@login_required
@require_POST
def step(request, pk, action):
    if action not in STEPS:
        raise Http404("未知的操作")
    version, _ = _version_for(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect(_detail(version))
    if form.cleaned_data["status"] != version.status:
        messages.error(request, f"该申请已变为“{version.get_status_display()}”（他人刚刚处理），"
                                "请查看后再操作。")
        return redirect(_detail(version))
    done, act = STEPS[action]
    try:
        version = act(version, request.user, form.cleaned_data)
    except AdjustmentRefused as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        if action == "submit" and version.status in chain.EDITABLE:
            messages.info(request, "请在调整申请页修改后再提交。")
    else:
        if version.status == VersionStatus.APPROVED:
            done = f"已批复，自 {version.effective_from:%Y-%m-%d} 起适用。"
        messages.success(request, done)
    return redirect(_detail(version))


# -- the queue ---------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request):
    mine = queues.queue_of(request.user)
    status = request.GET.get("status", "")
    if status not in VersionStatus.values:
        status = ""
    counts = queues.counts(mine)
    page = Paginator(queues.proposals(mine, status), PAGE_SIZE).get_page(request.GET.get("page"))
    for version in page.object_list:
        version.waiting = queues.waiting_text(version.status)
    return render(request, "adjustments/queue.html", {
        "queue": mine, "page": page, "status": status,
        "fill_units": list(fill_units(request.user)) if mine.fills else [],
        "counts": [(s, VersionStatus(s).label, counts[s]) for s in VersionStatus.values
                   if counts.get(s)],
        "total": sum(counts.values()),
    })


@login_required
@require_GET
def pending(request):
    """How many proposals wait for the user (the navigation's count; static/adjustments/nav.js)."""
    response = JsonResponse({"pending": queues.pending_count(request.user)})
    response["Cache-Control"] = "private, no-store"
    return response
