"""Forms of the project page: one per indicator (its fields depend on the indicator and the
period), one for the project's money spent, and the reviewer's forms. Field names are the
model's, so cleaned data goes to the service as it is."""

from __future__ import annotations

import functools
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.safestring import mark_safe

from performance.domain import DeviationReason, Grade, Likelihood, Operator
from performance.models import PeriodStatus, ReportingPeriod, format_decimal
from performance.services.entry import Entry
from performance.services.record_fields import PROJECT_FIELDS, indicator_fields

from . import widgets
from .widgets import esc

GRADE_CHOICES = [("", "—")] + [(g.value, g.value) for g in Grade]
LIKELIHOOD_CHOICES = [("", "—")] + [(v.value, v.value) for v in Likelihood]
REASON_CHOICES = [(v.value, v.value) for v in DeviationReason]
TEXTAREA = {"rows": 2, "class": "form-control form-control-sm"}


class ReasonsField(forms.MultipleChoiceField):
    """偏差原因 ticked: a posted empty value (a client that sends the unticked group as "")
    means none, not an invalid choice."""

    def to_python(self, value):
        return [item for item in super().to_python(value) if item != ""]


class NumberField(forms.DecimalField):
    """A number as people type it: 1,200 / 1，200 / 95% / full-width digits."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().translate(FULL_WIDTH).replace(",", "").replace("%", "")
        return super().to_python(value)


FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－％", "0123456789.,-%")


def _number(label: str, *, places: int = 4, digits: int = 18, minimum=None) -> NumberField:
    field = NumberField(label=label, required=False, max_digits=digits, decimal_places=places,
                        min_value=minimum,
                        widget=widgets.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                      "class": "form-control form-control-sm num"}))
    field.error_messages.update({
        "invalid": "请填写数字。",
        "max_decimal_places": f"最多 {places} 位小数。",
        "max_digits": "数字太大。",
        "max_whole_digits": "数字太大。",
        "min_value": "不能为负数。",
    })
    return field


def _grade(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=GRADE_CHOICES,
                             widget=widgets.Select(attrs={"class": "form-select form-select-sm"}))


def _initial(value):
    return format_decimal(value) if isinstance(value, Decimal) else value


class VersionedForm(forms.Form):
    version = forms.IntegerField(required=False, widget=widgets.HiddenInput)

    def entry(self) -> Entry:
        data = dict(self.cleaned_data)
        version = data.pop("version")
        return Entry(version=version, values=data)


class IndicatorForm(VersionedForm):
    """What a filler enters for one indicator in one period."""

    def __init__(self, indicator, record, *, monitoring: bool, **kwargs):
        self.indicator = indicator
        kwargs.setdefault("prefix", f"i{indicator.id}")
        names = indicator_fields(indicator, monitoring)
        initial = {"version": record.version if record else None}
        initial.update({n: _initial(getattr(record, n)) for n in names} if record else {})
        super().__init__(initial=initial, **kwargs)
        qualitative = indicator.operator == Operator.QUALITATIVE
        # the fields are built once per kind of indicator and period and shared (read-only)
        self.fields.update(_fields(qualitative, monitoring))
        self.measure = self["actual_grade" if qualitative else "actual_value"]
        self.details = [self[n] for n in names[1:]]

    def named(self, field) -> str:
        """The accessible name of one of this indicator's inputs: 指标「培训人次」实际完成值."""
        return f"指标「{self.indicator.name}」{field.label.split('（')[0]}"

    def measure_html(self):
        return bound_widget(self.measure, self.named(self.measure))

    def details_html(self, *, open_reasons: bool = False):
        """The detail fields; at year end the deviation reasons and the measures sit in a
        <details> (open when the indicator falls short or they are filled in)."""
        later = {"deviation_reasons", "corrective_measures"} if self.year_end else set()
        first = "".join(field_html(f, self.named(f)) for f in self.details if f.name not in later)
        if not later:
            return mark_safe(first)
        extra = "".join(field_html(f, self.named(f)) for f in self.details if f.name in later)
        filled = any(self[n].value() for n in later)
        opened = " open" if open_reasons or filled or any(self[n].errors for n in later) else ""
        return mark_safe(
            f'{first}<details class="year-end-reasons"{opened} id="reasons-i{self.indicator.id}">'
            '<summary class="small">偏差原因与改进措施（未达到指标值时填写）</summary>'
            f'<div class="detail-grid mt-1">{extra}</div></details>')

    @property
    def year_end(self) -> bool:
        return "likelihood" not in self.fields

    def clean_deviation_reasons(self):
        order = {v: i for i, (v, _) in enumerate(REASON_CHOICES)}
        return sorted(self.cleaned_data["deviation_reasons"], key=order.get)


@functools.cache
def _fields(qualitative: bool, monitoring: bool) -> dict:
    actual_label = "当前完成值" if monitoring else "全年实际完成值"
    builders = {
        "actual_value": lambda: _number(actual_label),
        "actual_grade": lambda: _grade(actual_label),
        "expected_value": lambda: _number("全年预计完成值"),
        "expected_grade": lambda: _grade("全年预计完成值"),
        "likelihood": lambda: forms.ChoiceField(
            label="完成可能性", required=False, choices=LIKELIHOOD_CHOICES,
            widget=widgets.Select(attrs={"class": "form-select form-select-sm"})),
        "deviation_reasons": lambda: ReasonsField(
            label="偏差原因（可多选）", required=False, choices=REASON_CHOICES,
            widget=widgets.CheckboxSelectMultiple(attrs={"class": "form-check-input"})),
        "corrective_measures": lambda: forms.CharField(
            label="纠偏措施" if monitoring else "改进措施", required=False,
            widget=widgets.Textarea(attrs=TEXTAREA)),
        "explanation": lambda: forms.CharField(
            label="偏差原因说明" if monitoring else "未完成原因及说明", required=False,
            widget=widgets.Textarea(attrs=TEXTAREA)),
    }
    operator = Operator.QUALITATIVE if qualitative else Operator.GE
    names = indicator_fields(_Kind(operator), monitoring)
    return {name: builders[name]() for name in names}


class _Kind:
    def __init__(self, operator):
        self.operator = operator


def bound_widget(field, name: str | None = None):
    """The widget of a bound field, with `name` as its accessible name (aria-label) when given
    (a checkbox list is named by the group around it: see field_html)."""
    widget = field.field.widget
    attrs = {"id": field.auto_id}
    if name and not isinstance(widget, forms.CheckboxSelectMultiple):
        attrs["aria-label"] = name
    if field.errors:
        attrs["aria-invalid"] = "true"
    return widget.render(field.html_name, field.value(), attrs=attrs)


def field_html(field, name: str | None = None):
    """Label, widget and errors of a bound field (what a template include would write),
    written directly: a project page has about a hundred of them. `name`: the accessible
    name (the indicator's name and the field), when the visible label alone is ambiguous."""
    errors = ""
    if field.errors:
        errors = '<ul class="errorlist">' + "".join(
            f"<li>{esc(e)}</li>" for e in field.errors) + "</ul>"
    widget = field.field.widget
    html = bound_widget(field, name)
    label = esc(field.label)
    invalid = " is-invalid-wrap" if field.errors else ""
    if isinstance(widget, forms.CheckboxSelectMultiple):
        group = f' aria-label="{esc(name)}"' if name else ""
        return mark_safe(f'<div class="field{invalid}" role="group"{group}>'
                         f'<div class="form-label small mb-0 text-secondary">{label}</div>'
                         f"<div>{html}</div>{errors}</div>")
    head = (f'<label class="form-label small mb-0 text-secondary" for="{field.auto_id}">'
            f"{label}</label>")
    return mark_safe(f'<div class="field{invalid}">{head}<div>{html}</div>{errors}</div>')


class ProjectForm(VersionedForm):
    """The money spent on the project up to the period's cut-off."""

    spent = _number("预算执行数（万元）", places=2, digits=14, minimum=Decimal(0))
    spent_reason = forms.CharField(label="执行率偏低原因", required=False,
                                   widget=widgets.Textarea(attrs=TEXTAREA))

    def __init__(self, record, **kwargs):
        kwargs.setdefault("prefix", "p")
        initial = {"version": record.version if record else None}
        if record:
            initial.update({n: _initial(getattr(record, n)) for n in PROJECT_FIELDS})
        super().__init__(initial=initial, **kwargs)

    def spent_reason_html(self):
        return field_html(self["spent_reason"])


class ReviewForm(forms.Form):
    version = forms.IntegerField(required=False, widget=widgets.HiddenInput)
    period = forms.CharField(widget=widgets.HiddenInput)


class ReturnForm(ReviewForm):
    reason = forms.CharField(label="退回原因", widget=widgets.Textarea(attrs=TEXTAREA),
                             error_messages={"required": "退回时须填写退回原因。"})


def offer_writable_periods(field: forms.ModelChoiceField) -> None:
    """Offer the open periods, and locked ones opened again for some unit (a late correction),
    but accept any: a period locked after the form was shown is refused by the write path,
    which says it is locked (not "not a valid choice")."""
    field.queryset = ReportingPeriod.objects.all()
    offered = ReportingPeriod.objects.filter(
        Q(status=PeriodStatus.OPEN) | Q(unit_unlocks__isnull=False)).distinct().order_by(
        "-year", "-cutoff_month", "code")
    field.choices = [(period.pk if field.to_field_name is None
                      else getattr(period, field.to_field_name), field.label_from_instance(period))
                     for period in offered]


class UploadForm(forms.Form):
    period = forms.ModelChoiceField(label="填报期间", queryset=ReportingPeriod.objects.none(),
                                    to_field_name="code", empty_label=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label="填好的模板", help_text="支持 .xlsx、.xls、.csv",
                           widget=forms.ClearableFileInput(attrs={"class": "form-control",
                                                                  "accept": ".xlsx,.xls,.csv"}))
    clear_blanks = forms.BooleanField(
        label="空白单元格清空已填的值", required=False,
        help_text="（不勾选时，空白单元格不改变已保存的值）",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    overwrite = forms.BooleanField(
        label="覆盖他人填写的值", required=False,
        help_text="（仅对不是从本系统下载的文件：默认不覆盖其他人已保存的值）",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].label_from_instance = lambda period: period.name
        offer_writable_periods(self.fields["period"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.EXCEL_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"文件大小 {upload.size / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB。")
        return upload
