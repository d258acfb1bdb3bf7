"""The 复核 page of one sampled project (finance scores it beside the unit's self-score; the
unit sees it read-only once 已复核) and the 补充说明 page (the unit answers finance's
question) (docs/checks.md).

Every view starts from the access helper (an outsider gets 404); what a person may do is
performance.checking's business: the page offers what checking.allowed says and shows the
services' refusals, keeping what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from performance import checking
from performance.access import (
    get_check_for_user,
    get_explanation_for_user,
    project_rights,
    sees_all_units,
)
from performance.checking import CheckAction
from performance.evidence.panel import check_evidence
from performance.models import ExplanationStatus, Indicator
from performance.services import check_explanations, checks
from performance.services.checks import CheckRefused, CheckRowsRefused

from .check_forms import (
    AnswerForm,
    AskForm,
    CheckForm,
    ReopenForm,
    problems,
    row_forms,
    rows_input,
    show_errors,
)


def check_url(checked) -> str:
    return reverse("checks:check", args=[checked.pk])


@login_required
@require_GET
def check(request, pk):
    checked = get_check_for_user(request.user, pk)
    return _render(request, checked)


def _render(request, checked, *, sheet=None, pairs=None, form=None, ask_form=None,
            reopen_form=None, found=()):
    sheet = sheet or checks.check_sheet(checked)
    capacities = project_rights(request.user, checked.project).capacities()
    has_open = sheet.open_request is not None
    can = {action.value: checking.allowed(action, checked.status, capacities, has_open)
           for action in CheckAction}
    return render(request, "checks/check.html", {
        "checked": checked, "project": checked.project, "period": checked.period,
        "sheet": sheet, "totals": sheet.totals, "can": can,
        "finance": sees_all_units(request.user),
        "pairs": pairs if pairs is not None else row_forms(sheet),
        "form": form or CheckForm(initial=CheckForm.initial_from(checked)),
        "ask_form": ask_form or AskForm(lines=sheet.result.lines),
        "reopen_form": reopen_form or ReopenForm(initial={"version": checked.version}),
        "problems": list(found), "missing": sheet.missing() if can["conclude"] else [],
        "ev": check_evidence(request.user, checked),
        "project_url": (f"{reverse('entry:project', args=[checked.project_id])}"
                        f"?period={checked.period.code}"),
    })


@login_required
@require_POST
def save(request, pk):
    """保存 (and 完成复核 when action=conclude) from the 复核 grid."""
    checked = get_check_for_user(request.user, pk)
    sheet = checks.check_sheet(checked)
    pairs = row_forms(sheet, request.POST)
    form = CheckForm(request.POST)
    valid = all([form.is_valid()] + [row_form.is_valid() for _, row_form in pairs])
    if valid:
        try:
            saved = checks.save_check(checked, request.user, rows_input(pairs),
                                      execution=form.execution(),
                                      conclusion=form.cleaned_data["conclusion"],
                                      version=form.cleaned_data["version"])
        except CheckRowsRefused as exc:
            show_errors(exc, pairs, form)
        except CheckRefused as exc:
            messages.error(request, str(exc))
            return _render(request, checked, sheet=sheet, pairs=pairs, form=form)
        else:
            return _concluded_if_asked(request, saved)
    found = problems(pairs, form)
    messages.error(request, f"有 {len(found)} 处填写有误，未保存，请修改后再保存。")
    return _render(request, checked, sheet=sheet, pairs=pairs, form=form, found=found)


def _concluded_if_asked(request, saved):
    if request.POST.get("action") != CheckAction.CONCLUDE:
        messages.success(request, "已保存复核得分。")
        return redirect(check_url(saved))
    try:
        checks.conclude(saved, request.user, saved.conclusion, version=saved.version)
    except CheckRefused as exc:
        messages.warning(request, f"已保存，但还不能完成复核：{exc}")
    else:
        messages.success(request, "已完成复核，项目单位可以查看复核结果。")
    return redirect(check_url(saved))


@login_required
@require_POST
def ask(request, pk):
    checked = get_check_for_user(request.user, pk)
    sheet = checks.check_sheet(checked)
    ask_form = AskForm(request.POST, lines=sheet.result.lines)
    if ask_form.is_valid():
        chosen = ask_form.cleaned_data["indicator"]
        indicator = (Indicator.all_objects.filter(pk=chosen, project=checked.project_id).first()
                     if chosen is not None else None)
        try:
            check_explanations.ask_explanation(checked, request.user,
                                               ask_form.cleaned_data["question"],
                                               indicator=indicator)
        except CheckRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已要求单位补充说明，并已通知该单位的填报人和审核人。")
            return redirect(check_url(checked))
    return _render(request, checked, sheet=sheet, ask_form=ask_form)


@login_required
@require_POST
def reopen(request, pk):
    checked = get_check_for_user(request.user, pk)
    reopen_form = ReopenForm(request.POST)
    if reopen_form.is_valid():
        try:
            checks.reopen(checked, request.user, reopen_form.cleaned_data["reason"],
                          version=reopen_form.cleaned_data["version"])
        except CheckRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已重新打开复核。")
            return redirect(check_url(checked))
    return _render(request, checked, reopen_form=reopen_form)


# -- 补充说明 -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def explanation(request, pk):
    """The question, the answers so far, and for the unit the answer form."""
    asked = get_explanation_for_user(request.user, pk)
    checked = asked.checked
    capacities = project_rights(request.user, checked.project).capacities()
    is_open = asked.status == ExplanationStatus.OPEN
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            check_explanations.answer_explanation(asked, request.user,
                                                  form.cleaned_data["answer"])
        except CheckRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已提交补充说明，并已通知财政复核人。")
            return redirect(reverse("checks:explanation", args=[asked.pk]))
    finance = sees_all_units(request.user)
    earlier = list(checked.explanations.exclude(pk=asked.pk)
                   .select_related("indicator", "asked_by", "answered_by", "withdrawn_by"))
    return render(request, "checks/explanation.html", {
        "asked": asked, "checked": checked, "project": checked.project, "period": checked.period,
        "form": form, "earlier": earlier, "finance": finance,
        "can_answer": checking.allowed(CheckAction.ANSWER, checked.status, capacities, is_open),
        "can_withdraw": checking.allowed(CheckAction.WITHDRAW, checked.status, capacities,
                                         is_open),
        "back_url": (check_url(checked) if finance else
                     f"{reverse('entry:project', args=[checked.project_id])}"
                     f"?period={checked.period.code}"),
    })


@login_required
@require_POST
def withdraw(request, pk):
    asked = get_explanation_for_user(request.user, pk)
    try:
        check_explanations.withdraw_explanation(asked, request.user)
    except CheckRefused as exc:
        messages.error(request, str(exc))
        return redirect(reverse("checks:explanation", args=[asked.pk]))
    messages.success(request, "已撤回该问题。")
    return redirect(check_url(asked.checked))
