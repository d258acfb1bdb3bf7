"""The filters of the 整改事项 list (django-filter), applied in SQL; the same filters choose
what the Excel export holds."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from performance.models import RectificationSource, RectificationStatus
from performance.rectifying import OPEN, WARNING_SOURCES
from performance.services.periods import PERIOD_LIMIT, periods

SELECT = {"class": "form-select form-select-sm"}
CHECK = {"class": "form-check-input"}


def overdue_q(today) -> Q:
    """Past the deadline and not yet reported done (performance.rectifying.is_overdue)."""
    return Q(status__in=OPEN, deadline__lt=today)


def response_missing_q() -> Q:
    """A monitoring warning still waiting for the unit's response."""
    return Q(source__in=WARNING_SOURCES, response="", status__in=OPEN)


class RectificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="搜索", method="search",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "type": "search",
                   "placeholder": "项目、单位、问题"}))
    status = django_filters.ChoiceFilter(label="状态", choices=RectificationStatus.choices,
                                         empty_label="全部状态",
                                         widget=forms.Select(attrs=SELECT))
    source = django_filters.ChoiceFilter(label="来源", choices=RectificationSource.choices,
                                         empty_label="全部来源",
                                         widget=forms.Select(attrs=SELECT))
    # "" is offered once, as the field's empty_label (not a second "---------" option)
    unit = django_filters.ChoiceFilter(label="单位", field_name="unit_id", choices=[],
                                       empty_label="全部单位", widget=forms.Select(attrs=SELECT))
    period = django_filters.ChoiceFilter(label="期间", field_name="period__code", choices=[],
                                         empty_label="全部期间",
                                         widget=forms.Select(attrs=SELECT))
    overdue = django_filters.BooleanFilter(
        label="只看逾期", method="filter_overdue",
        widget=forms.CheckboxInput(attrs=CHECK))
    response_missing = django_filters.BooleanFilter(
        label="只看未选择应对方式", method="filter_response_missing",
        widget=forms.CheckboxInput(attrs=CHECK))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._units = units

    @property
    def form(self):
        """Choices set on the form's own fields (one query each), not deep-copied filters."""
        if not hasattr(self, "_form"):
            form = super().form
            form.fields["unit"].choices = [
                (str(pk), f"{code} {name}") for pk, code, name in
                self._units.order_by("code").values_list("id", "code", "name")]
            form.fields["period"].choices = [
                (code, name) for code, name in
                periods().values_list("code", "name")[:PERIOD_LIMIT]]
        return self._form

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(project__name__icontains=value)
                               | Q(unit__name__icontains=value)
                               | Q(unit__code__startswith=value)
                               | Q(problem__icontains=value))

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q(timezone.localdate())) if value else queryset

    def filter_response_missing(self, queryset, name, value):
        return queryset.filter(response_missing_q()) if value else queryset
