"""The security audit log in the admin (docs/security.md): read-only, searchable by user name,
address, object and detail, filtered by kind and date. Seeing it takes the view permission of
SecurityEvent (superusers have it); nobody adds, changes or deletes an event here — old events
go by the retention rule only. The password history is never shown."""

from django.contrib import admin

from .models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("at", "kind", "username", "ip", "target", "path")
    list_filter = ("kind",)
    date_hierarchy = "at"
    search_fields = ("username", "ip", "target", "detail")
    list_per_page = 100
    show_full_result_count = False
    fields = ("at", "kind", "user", "username", "ip", "path", "target", "detail")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
