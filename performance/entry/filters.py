"""The filters of the project list (django-filter), applied in SQL to the annotated rows of
performance.services.listing."""

import django_filters
from django.db.models import Q

from budget.models import ProjectCategory
from performance.access import department_tier_enabled
from performance.domain import Light, choices
from performance.models import WorkflowStatus

from .widgets import Select, TextInput

SELECT = {"class": "form-select form-select-sm"}
NO_LIGHT = "none"
# 单位已审核 as the 主管部门's queue calls it
STATUS_CHOICES = [(value, "单位已审核（待主管部门审核）" if value == WorkflowStatus.UNIT_APPROVED
                   else label) for value, label in WorkflowStatus.choices]


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="搜索", method="search",
        widget=TextInput(attrs={"class": "form-control form-control-sm",
                                      "placeholder": "项目、单位名称或代码", "type": "search"}))
    # choices from one values_list query (400 units as tuples, not model instances)
    unit = django_filters.ChoiceFilter(
        label="单位", field_name="unit_id", choices=[], empty_label="全部单位",
        widget=Select(attrs=SELECT))
    category = django_filters.ChoiceFilter(
        label="项目类别", choices=ProjectCategory.choices, empty_label="全部类别",
        widget=Select(attrs=SELECT))
    status = django_filters.ChoiceFilter(
        label="填报状态", field_name="entry_status", choices=STATUS_CHOICES,
        empty_label="全部状态", widget=Select(attrs=SELECT))
    light = django_filters.ChoiceFilter(
        label="监控灯", method="filter_light", choices=[*choices(Light), (NO_LIGHT, "未评")],
        empty_label="全部", widget=Select(attrs=SELECT))

    def __init__(self, *args, units=None, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._units = units
        self._projects = projects

    @property
    def form(self):
        """The unit choices are set on the form's own field: as filter choices, the form would
        deep-copy all of them on every request."""
        if not hasattr(self, "_form"):
            form = super().form
            # the field itself offers "" as 全部单位 (empty_label): no second blank option;
            # no units given: the API's unit filter takes a code, not one of these choices
            if self._units is not None:
                form.fields["unit"].choices = [
                    (str(pk), f"{code} {name}")
                    for pk, code, name in self._units.order_by("code").values_list("id", "code",
                                                                                    "name")]
            if not department_tier_enabled():  # no 主管部门 level: no such status to look for
                form.fields["status"].choices = [
                    choice for choice in form.fields["status"].choices
                    if choice[0] != WorkflowStatus.UNIT_APPROVED]
        return self._form

    def count(self):
        """How many rows `qs` has, counted on `projects` (the same projects without the record
        join, see listing.visible_projects) when no active filter needs the record; else None
        (then the paginator counts `qs` itself)."""
        projects = self._projects
        if projects is None:
            return None
        if self.is_bound:
            self.errors  # noqa: B018 -- validates the form, as qs does
            cleaned = self.form.cleaned_data
            if cleaned.get("status") or cleaned.get("light"):
                return None
            projects = self.filter_queryset(projects)
        return projects.count()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(unit__name__icontains=value)
                               | Q(unit__code__startswith=value))

    def filter_light(self, queryset, name, value):
        if value == NO_LIGHT:
            return queryset.filter(Q(light="") | Q(light__isnull=True))
        return queryset.filter(light=value)
