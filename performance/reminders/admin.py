"""Admin of the reminder log (who, what, when, step, result) and of the in-app notices.

Registered from performance/admin.py. The log is read-only: it is the record of what was sent.
"""

from django.contrib import admin

from performance.models import Notice, ReminderLog


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["claimed_at", "period", "scope", "recipient", "audience", "step", "status",
                    "attempts", "sent_at", "subject"]
    list_select_related = ["period", "recipient"]
    list_filter = ["status", "audience", "period", "claimed_at", "sent_at"]
    search_fields = ["recipient__username", "recipient__first_name", "recipient__last_name",
                     "recipient__email", "scope", "unit__name", "step", "subject", "error"]
    date_hierarchy = "claimed_at"
    readonly_fields = ["period", "unit", "scope", "recipient", "audience", "step", "status",
                       "attempts", "subject", "body", "error", "claimed_at", "sent_at"]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "subject", "read_at"]
    list_select_related = ["recipient"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["recipient__username", "recipient__email", "subject", "body"]
    date_hierarchy = "created_at"
    raw_id_fields = ["recipient", "reminder"]
