"""The security audit log in the admin (docs/security.md): read-only, searchable by user name,
address, object and detail, filtered by kind and date. Seeing it takes the view permission of
SecurityEvent (superusers have it); nobody adds, changes or deletes an event here — old events
go by the retention rule only. The password history is never shown.

The personal API tokens (docs/api.md): an admin finds them by owner, name or prefix, revokes
them (the action, or the button on a token's page) and creates one for a user, whose plaintext
is shown once, in the answer to the POST that created it (never in a message: messages travel
in a cookie or the session). Both go through accounts.tokens, so they are audited like the
owner's own; nothing of a token (digest, prefix, lifetime) is ever edited here."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from .models import ApiToken, SecurityEvent
from .tokens import create_token, revoke_token


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


class TokenStateFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "有效"), ("expired", "已过期"), ("revoked", "已吊销")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(revoked_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class NewTokenAdminForm(forms.ModelForm):
    """Creating a token for a user: create_token decides (limits, lifetime) and writes it, once
    the form itself is valid; its refusals become the form's errors. `request` is set by
    ApiTokenAdmin.get_form (the audit log's address)."""

    request = None
    days = forms.IntegerField(label="有效期（天）")

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scope")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DEFAULT_DAYS
        self.fields["days"].help_text = f"1 至 {settings.API_TOKEN_MAX_DAYS} 天。"
        self.new = None

    def _post_clean(self):
        # after every other check (as UserCreationForm does for the password): a token is
        # created only for a form that is otherwise valid
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        try:
            self.new = create_token(data["user"], data["name"], data["scope"], data["days"],
                                    request=self.request)
        except ValidationError as exc:
            self.add_error(None, exc)
        else:
            self.instance = self.new.token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix_shown", "scope", "state_shown", "created_at",
                    "expires_at", "last_used_at", "last_used_ip")
    list_display_links = ("name",)
    list_select_related = ("user",)
    list_filter = ("scope", TokenStateFilter)
    search_fields = ("user__username", "user__first_name", "user__last_name", "name", "prefix")
    list_per_page = 100
    show_full_result_count = False
    autocomplete_fields = ("user",)
    actions = ["revoke_selected"]
    change_form_template = "admin/accounts/apitoken/change_form.html"
    add_fieldsets = ((None, {"fields": ("user", "name", "scope", "days")}),)
    fields = ("user", "name", "prefix_shown", "digest", "scope", "state_shown", "created_at",
              "expires_at", "last_used_at", "last_used_ip", "revoked_at", "revoked_by")
    readonly_fields = fields

    @admin.display(description="前缀", ordering="prefix")
    def prefix_shown(self, token):
        return f"{token.prefix}…"

    @admin.display(description="状态")
    def state_shown(self, token):
        return token.state()

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        form = super().get_form(request, obj, change, form=NewTokenAdminForm, **kwargs)
        return type("NewTokenAdminForm", (form,), {"request": request})

    def has_change_permission(self, request, obj=None):
        return False  # a token is never edited: its page is read-only, revoking is a button

    def has_revoke_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoke, so the token's history stays
        return actions

    def save_model(self, request, obj, form, change):
        # the form's create_token has written it; response_add shows the plaintext this once
        self._new = form.new

    def response_add(self, request, obj, post_url_continue=None):
        new = self._new
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": "令牌已创建", "token": new.token, "plaintext": new.plaintext}
        return TemplateResponse(request, "admin/accounts/apitoken/created.html", context)

    @admin.action(description="吊销所选令牌", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        done = sum(revoke_token(token, request.user, request=request)
                   for token in queryset.select_related("user").filter(revoked_at__isnull=True))
        self.message_user(request, f"已吊销 {done} 个令牌。" if done
                          else "所选令牌均已吊销，未做更改。",
                          messages.SUCCESS if done else messages.WARNING)

    def get_urls(self):
        return [path("<int:pk>/revoke/", self.admin_site.admin_view(self.revoke_view),
                     name="accounts_apitoken_revoke")] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "token": token,
                 "can_revoke": token is not None and token.revoked_at is None
                 and self.has_revoke_permission(request)}
        return super().change_view(request, object_id, form_url, extra)

    @method_decorator(require_POST)
    def revoke_view(self, request, pk):
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
        if revoke_token(token, request.user, request=request):
            messages.success(request, f"已吊销令牌“{token}”。")
        else:
            messages.warning(request, f"令牌“{token}”此前已吊销。")
        return redirect("admin:accounts_apitoken_change", token.pk)
