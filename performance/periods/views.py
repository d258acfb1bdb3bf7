"""Finance staff keep the periods: lock a period with a reason, unlock it, or open a locked
period for one unit (a late correction) and close it again; every event is listed. The page
and its actions are 404 to anyone else (performance.access); the lock service decides."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from budget.models import Unit
from performance.access import require_finance_reviewer
from performance.models import ReportingPeriod
from performance.services.period_lock import (
    PeriodRefused,
    lock_events,
    lock_period,
    relock_unit,
    unit_unlocks,
    unlock_period,
    unlock_unit,
)

TEXTAREA = {"rows": 2, "class": "form-control form-control-sm"}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs=TEXTAREA),
                             error_messages={"required": "请填写原因。"})
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class UnitUnlockForm(ReasonForm):
    unit = forms.CharField(label="单位代码", max_length=120,
                           widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                         "list": "unit-codes"}))

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip().split("-")[0]
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(f"没有代码为“{code}”的单位。")
        return unit


def _period(request, code) -> ReportingPeriod:
    require_finance_reviewer(request.user)
    period = ReportingPeriod.objects.select_related("locked_by").filter(code=code).first()
    if period is None:
        raise Http404("未找到该期间")
    return period


def _back(request, period):
    """Back where the form was (the finance overview or this page); never off the site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("periods:detail", args=[period.code]))


@require_GET
@login_required
def period_page(request, code):
    period = _period(request, code)
    return render(request, "periods/period.html", {
        "period": period, "events": lock_events(period), "unlocks": unit_unlocks(period),
        "reason_form": ReasonForm(), "unit_form": UnitUnlockForm(),
        "units": Unit.objects.order_by("code").values_list("code", "name"),
    })


def _act(request, code, act, done: str, form_class=ReasonForm):
    period = _period(request, code)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return _back(request, period)
    try:
        act(period, request.user, form.cleaned_data)
    except PeriodRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done.format(period=period.name, **form.cleaned_data))
    return _back(request, period)


@require_POST
@login_required
def lock_view(request, code):
    return _act(request, code, lambda p, u, d: lock_period(p, u, d["reason"]),
                "已锁定“{period}”：所有单位只能查看，导入和提醒停止。")


@require_POST
@login_required
def unlock_view(request, code):
    return _act(request, code, lambda p, u, d: unlock_period(p, u, d["reason"]),
                "已解锁“{period}”，各单位可以继续填报。")


@require_POST
@login_required
def unlock_unit_view(request, code):
    return _act(request, code, lambda p, u, d: unlock_unit(p, d["unit"], u, d["reason"]),
                "已为 {unit} 单独解锁“{period}”，其他单位仍为锁定。", UnitUnlockForm)


@require_POST
@login_required
def relock_unit_view(request, code, unit_code):
    period = _period(request, code)
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise Http404("未找到该单位")
    try:
        relock_unit(period, unit, request.user, request.POST.get("reason", ""))
    except PeriodRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已重新锁定 {unit}。")
    return _back(request, period)
