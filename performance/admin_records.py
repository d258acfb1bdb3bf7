"""The admin of entered values: an administrator's correction goes through the one write path
(performance.services.values, channel 管理后台) like anyone's — refused in a locked period or
on a submitted project, merged with what others saved since the form was opened, and kept in
修改记录. The workflow status and the computed scores and lights are read-only here; records
are created by entering values, never added or deleted by hand.

The form checks and locks in clean() (`values.prepare`, inside the admin's transaction) so a
refusal is shown on the form; save_model() writes the plan."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from import_export.admin import ExportMixin

from .access import sees_all_units, user_roles
from .excel.admin import ExcelImportAdminMixin
from .excel.resources import IndicatorRecordResource
from .models import ImportKind, IndicatorRecord, ProjectRecord
from .services.merge import EditConflict
from .services.values import RecordChange, ValueWrite, WriteRefused, apply, prepare
from .workflow import Channel

INDICATOR_VALUES = ["actual_value", "actual_grade", "expected_value", "expected_grade",
                    "likelihood", "deviation_reasons", "corrective_measures", "explanation",
                    "deduction", "deduction_note"]
PROJECT_VALUES = ["spent", "spent_reason"]


class CorrectionForm(forms.ModelForm):
    """A record's values, saved through the write path. `base_version`: the version the form
    was opened on (so a change made meanwhile is merged, not overwritten)."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    user = None  # set by the admin for the request
    plan = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        changed = [name for name in self.changed_data if name in self.value_fields]
        if not changed:
            return data
        base = data.get("base_version")
        change = RecordChange({name: data[name] for name in changed},
                              self.instance.version if base is None else base)
        write = ValueWrite(period=self.instance.period, actor=self.user, channel=Channel.ADMIN,
                           reason="管理后台更正", **self.target(change))
        try:
            with transaction.atomic():
                self.plan = prepare(write)
        except WriteRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        except EditConflict as exc:
            raise forms.ValidationError([c.message() for c in exc.conflicts]) from exc
        return data


class IndicatorCorrectionForm(CorrectionForm):
    value_fields = INDICATOR_VALUES

    class Meta:
        model = IndicatorRecord
        fields = INDICATOR_VALUES

    def target(self, change) -> dict:
        return {"indicators": {self.instance.indicator_id: change}}


class ProjectCorrectionForm(CorrectionForm):
    value_fields = PROJECT_VALUES

    class Meta:
        model = ProjectRecord
        fields = PROJECT_VALUES

    def target(self, change) -> dict:
        return {"projects": {self.instance.project_id: change}}


class ScopedExportMixin(ExportMixin):
    """django-import-export's 导出, for those who may view the model (its view or change
    permission: a staff account without either gets 403, on the button and on the export URL
    alike) and only of the units they may see (performance.access: finance staff and
    superusers every unit, anyone else the units they hold a role in — none without one).
    `export_unit_field`: the path from the model to its unit."""

    export_unit_field = "project__unit"

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        user = request.user
        if sees_all_units(user):
            return queryset
        units = sorted({unit_id for unit_id, _ in user_roles(user) if unit_id is not None})
        return queryset.filter(**{f"{self.export_unit_field}__in": units})


class CorrectionAdmin(admin.ModelAdmin):
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_add_permission(self, request):
        return False  # a record comes from entering values

    def has_delete_permission(self, request, obj=None):
        return False  # values leave by being changed, with history

    def save_model(self, request, obj, form, change):
        if form.plan is not None:
            apply(form.plan)
        obj.refresh_from_db()


@admin.register(IndicatorRecord)
class IndicatorRecordAdmin(ExcelImportAdminMixin, ScopedExportMixin, CorrectionAdmin):
    form = IndicatorCorrectionForm
    export_unit_field = "indicator__project__unit"
    excel_import_kind = ImportKind.ACTUALS
    resource_classes = [IndicatorRecordResource]
    list_display = ["indicator", "project_name", "period", "actual_value", "actual_grade",
                    "expected_value", "likelihood", "light", "updated_at", "updated_by"]
    list_select_related = ["indicator__project", "period", "updated_by"]
    list_filter = ["period", "likelihood"]
    search_fields = ["indicator__name", "indicator__project__name"]
    fields = ["indicator", "period", *INDICATOR_VALUES, "base_version", "light", "updated_at",
              "updated_by", "version"]
    readonly_fields = ["indicator", "period", "light", "updated_at", "updated_by", "version"]

    def has_import_permission(self, request) -> bool:
        return self.has_change_permission(request)

    @admin.display(description="项目", ordering="indicator__project__name")
    def project_name(self, obj):
        return obj.indicator.project.name


@admin.register(ProjectRecord)
class ProjectRecordAdmin(CorrectionAdmin):
    form = ProjectCorrectionForm
    list_display = ["project", "unit_code", "period", "spent", "status", "score_total",
                    "score_grade", "status_changed_at", "updated_by"]
    list_select_related = ["project__unit", "period", "updated_by"]
    list_filter = ["period", "status"]
    search_fields = ["project__name", "project__unit__code", "project__unit__name"]
    fields = ["project", "period", *PROJECT_VALUES, "base_version", "status", "return_reason",
              "submitted_at", "submitted_by", "reviewed_at", "reviewed_by", "score_total",
              "score_grade", "projected_total", "light", "execution_light", "indicators_missing",
              "has_values", "computed_at", "updated_at", "updated_by", "version"]
    readonly_fields = [f for f in fields if f not in (*PROJECT_VALUES, "base_version")]

    @admin.display(description="单位", ordering="project__unit__code")
    def unit_code(self, obj):
        return obj.project.unit.code
