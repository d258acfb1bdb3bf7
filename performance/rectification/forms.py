"""The forms of the 整改事项 pages: raising one by hand, and one form per step. They check
the shape of what was typed; the rules are performance.rectifying's (asked by the service)."""

from __future__ import annotations

from django import forms

from budget.models import Project
from performance.models import Indicator, WarningResponse
from performance.services.periods import PERIOD_LIMIT, periods

TEXT = {"class": "form-control form-control-sm"}
AREA = {"class": "form-control form-control-sm", "rows": 3}
DATE = {"class": "form-control form-control-sm", "type": "date"}
SELECT = {"class": "form-select form-select-sm"}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class StartForm(VersionForm):
    progress = forms.CharField(label="整改进展（可选）", required=False, max_length=2000,
                               widget=forms.Textarea(attrs=AREA))


class RespondForm(VersionForm):
    response = forms.ChoiceField(label="应对方式", choices=WarningResponse.choices,
                                 widget=forms.RadioSelect)
    note = forms.CharField(label="说明", required=False, max_length=2000,
                           widget=forms.Textarea(attrs=AREA))


class ReportDoneForm(VersionForm):
    progress = forms.CharField(label="整改情况", max_length=4000,
                               widget=forms.Textarea(attrs=AREA))


class ReturnForm(VersionForm):
    reason = forms.CharField(label="退回理由", max_length=2000,
                             widget=forms.Textarea(attrs=AREA))


class ConfirmForm(VersionForm):
    pass


class EditForm(VersionForm):
    problem = forms.CharField(label="问题", max_length=4000, widget=forms.Textarea(attrs=AREA))
    required_action = forms.CharField(label="整改要求", max_length=4000,
                                      widget=forms.Textarea(attrs=AREA))
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs=DATE,
                                                                      format="%Y-%m-%d"))


class RaiseForm(forms.Form):
    """Raising by hand (finance): the project by its unit's code and its name (or given by
    the project page's link), the period found in, optionally one indicator."""

    unit_code = forms.CharField(label="单位代码", max_length=50, widget=forms.TextInput(attrs=TEXT))
    project_name = forms.CharField(label="项目名称", max_length=200,
                                   widget=forms.TextInput(attrs=TEXT))
    period = forms.ChoiceField(label="发现期间", choices=[], widget=forms.Select(attrs=SELECT))
    indicator = forms.TypedChoiceField(label="指标（可选）", choices=[], required=False,
                                       coerce=int, empty_value=None,
                                       widget=forms.Select(attrs=SELECT))
    problem = forms.CharField(label="问题", max_length=4000, widget=forms.Textarea(attrs=AREA))
    required_action = forms.CharField(label="整改要求", max_length=4000,
                                      widget=forms.Textarea(attrs=AREA))
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs=DATE,
                                                                      format="%Y-%m-%d"))

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known = project
        found = list(periods().values_list("code", "name", "year")[:PERIOD_LIMIT])
        self._years = {code: year for code, _, year in found}
        self.fields["period"].choices = [(code, f"{code} {name}") for code, name, _ in found]
        if project is not None:
            self.fields["indicator"].choices = [("", "（不针对具体指标）"), *(
                (pk, name) for pk, name in Indicator.all_objects.filter(project=project)
                .order_by("position", "id").values_list("id", "name"))]
        else:
            self.fields["indicator"].choices = [("", "（不针对具体指标）")]
            self.fields["indicator"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        code, name = cleaned.get("unit_code", "").strip(), cleaned.get("project_name", "").strip()
        period_code = cleaned.get("period")
        if not (code and name and period_code):
            return cleaned
        project = (Project.objects.select_related("unit")
                   .filter(unit__code=code, name=name, year=self._years[period_code]).first())
        if project is None:
            self.add_error("project_name", f"未找到单位 {code} 在 {self._years[period_code]} "
                                           f"年度名为“{name}”的项目。")
            return cleaned
        cleaned["project"] = project
        chosen = cleaned.get("indicator")
        cleaned["indicator_obj"] = None
        if chosen is not None:
            indicator = Indicator.all_objects.filter(pk=chosen, project=project).first()
            if indicator is None:
                self.add_error("indicator", "所选指标不属于该项目。")
            cleaned["indicator_obj"] = indicator
        return cleaned
