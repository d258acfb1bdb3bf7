"""Receivers of the audit log (docs/security.md): logins, failed logins, lockouts, logouts and
the admin's changes become SecurityEvents. Each only translates a signal into one `record`
call (accounts.audit); a password change is recorded by accounts.passwords, an export by
accounts.middleware, a period lock by performance.services.period_lock, an import by
performance.excel.jobs."""

import json

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .audit import SecurityEventKind, record

# Changes of these models in the admin change what someone may do: also a ROLE_CHANGE.
ROLE_MODELS = {("budget", "membership"), ("auth", "group")}
# A user's fields that grant rights, as the admin's change message names them (untranslated).
ROLE_FIELDS = {"Staff status", "Superuser status", "Groups", "User permissions", "Active"}


@receiver(user_logged_in, dispatch_uid="audit_login")
def on_login(sender, request, user, **kwargs):
    record(SecurityEventKind.LOGIN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    locked = bool(getattr(request, "axes_locked_out", False))
    record(SecurityEventKind.LOGIN_FAILED, request=request,
           username=str(credentials.get("username") or ""),
           detail="账号已锁定，登录被拒绝" if locked else "用户名或密码错误")


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def on_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    record(SecurityEventKind.LOCKOUT, request=request, username=str(username or ""),
           target=str(username or ""), detail=f"来自 {ip_address or '未知地址'}")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def on_logout(sender, request=None, user=None, **kwargs):
    record(SecurityEventKind.LOGOUT, request=request, user=user)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def on_admin_change(sender, instance, created, **kwargs):
    if not created:
        return
    kind = admin_change_kind(instance)
    detail = admin_change_detail(instance)
    record(SecurityEventKind.ADMIN_CHANGE, user=instance.user, target=instance.object_repr,
           detail=detail)
    if kind == SecurityEventKind.ROLE_CHANGE:
        record(SecurityEventKind.ROLE_CHANGE, user=instance.user, target=instance.object_repr,
               detail=detail)


_ACTIONS = {ADDITION: "新增", DELETION: "删除"}


def admin_change_detail(entry: LogEntry) -> str:
    """"修改 budget.membership：已修改 角色。": the action, the model and the admin's message."""
    what = (f"{entry.content_type.app_label}.{entry.content_type.model}"
            if entry.content_type_id else "")
    message = entry.get_change_message()
    return f"{_ACTIONS.get(entry.action_flag, '修改')} {what}" + (f"：{message}" if message else "")


def admin_change_kind(entry: LogEntry) -> str:
    """ROLE_CHANGE for a change of a membership or a group, or of a user that added or removed
    the user, changed a field that grants rights, or changed an inline (a membership);
    ADMIN_CHANGE for anything else."""
    if not entry.content_type_id:
        return SecurityEventKind.ADMIN_CHANGE
    model = (entry.content_type.app_label, entry.content_type.model)
    if model in ROLE_MODELS:
        return SecurityEventKind.ROLE_CHANGE
    if model == ("auth", "user"):
        if entry.action_flag in (ADDITION, DELETION):
            return SecurityEventKind.ROLE_CHANGE
        for change in _message_list(entry):
            for verb in ("added", "changed", "deleted"):
                part = change.get(verb) or {}
                if "object" in part or ROLE_FIELDS & set(part.get("fields", [])):
                    return SecurityEventKind.ROLE_CHANGE
    return SecurityEventKind.ADMIN_CHANGE


def _message_list(entry) -> list:
    """The admin's change message as stored: a JSON list of {"added"|"changed"|"deleted": …}."""
    try:
        value = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


# The session idle timeout stamps a session at login (config/middleware.py, its receiver):
# connected here, when the apps are ready, so that a session made before the first request
# (the test client's force_login) has its stamp too and its first request writes nothing.
from config import middleware as _session_idle  # noqa: E402,F401
