"""The admin of 佐证材料: listed with who uploaded what and when, downloaded through the
evidence view (never a storage URL), deleted through performance.services.evidence (the
history row with the admin channel, the file removed from the storage). Files are added on
the project page and the 复核 page only, where the service checks them: no add form here;
a row is read-only except its 说明."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from .models import Evidence
from .services.evidence import EvidenceRefused, delete_evidence
from .templatetags.people import person
from .workflow import Channel


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "period", "attached", "size_display", "kind",
                    "uploader", "uploaded_at", "download"]
    list_select_related = ["project__unit", "period", "indicator", "checked", "uploaded_by"]
    list_filter = ["period", "kind", ("checked", admin.EmptyFieldListFilter),
                   ("indicator", admin.EmptyFieldListFilter), "project__unit"]
    search_fields = ["name", "note", "project__name", "project__unit__code", "indicator__name",
                     "sha256"]
    date_hierarchy = "uploaded_at"
    fields = ["project", "period", "attached", "name", "download", "content_type", "kind",
              "size_display", "sha256", "note", "uploaded_by", "uploaded_at"]
    readonly_fields = [f for f in fields if f != "note"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="对应")
    def attached(self, obj):
        return obj.attached_to

    @admin.display(description="大小", ordering="size")
    def size_display(self, obj):
        return filesizeformat(obj.size)

    @admin.display(description="上传人", ordering="uploaded_by")
    def uploader(self, obj):
        return person(obj.uploaded_by)

    @admin.display(description="下载")
    def download(self, obj):
        return format_html('<a href="{}">下载</a>', reverse("evidence:download", args=[obj.pk]))

    def delete_model(self, request, obj):
        delete_evidence(obj, request.user, channel=Channel.ADMIN)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("project__unit", "period", "checked"):
            try:
                delete_evidence(obj, request.user, channel=Channel.ADMIN)
            except EvidenceRefused as exc:
                messages.warning(request, f"「{obj.name}」：{exc}")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        try:
            rows = response.context_data["cl"].queryset
        except (AttributeError, KeyError):
            return response
        total = rows.aggregate(total=Sum("size"))["total"] or 0
        response.context_data["title"] = f"佐证材料（所列合计 {filesizeformat(total)}）"
        return response
