"""Site-wide middleware of the hardening (docs/security.md, docs/deployment.md).

- SessionIdleMiddleware ends a session nobody used for SESSION_IDLE_MINUTES: the user is logged
  out, sent to the login page with a message, and the audit log gets a 会话超时 event. The time
  of the last activity lives in the session; it is written at login (the user_logged_in signal)
  and refreshed at most once a minute, so an ordinary request adds no database write.
- NoStoreMiddleware: a response to a logged-in user is never kept by the browser's cache, its
  back button or a proxy (Cache-Control: no-store, private). Static files never reach it
  (WhiteNoise or the static handler answer first) and a view that declared its response public
  (the favicon's redirect) keeps its own header.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers
from django.utils.functional import empty

LAST_ACTIVITY_KEY = "_last_activity"
REFRESH_SECONDS = 60
IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录。"


def now_seconds() -> int:
    return int(time.time())


@receiver(user_logged_in, dispatch_uid="config.middleware.stamp_login")
def stamp_login(sender, request=None, user=None, **kwargs):
    """A new session starts active: its first request has nothing to write."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY_KEY] = now_seconds()


def idle_seconds(session, now: int) -> int | None:
    """Seconds since the session's last recorded activity; None when it has no record."""
    last = session.get(LAST_ACTIVITY_KEY)
    if not isinstance(last, int):
        return None
    return now - last


class SessionIdleMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        expired = self.check(request)
        if expired is not None:
            return expired
        return self.get_response(request)

    def check(self, request):
        limit = settings.SESSION_IDLE_MINUTES * 60
        session = getattr(request, "session", None)
        if limit <= 0 or session is None or SESSION_KEY not in session:
            return None
        now = now_seconds()
        idle = idle_seconds(session, now)
        if idle is not None and idle > limit:
            return self.expire(request, idle)
        # No record (a session from before this middleware) or a minute since the last one.
        # A clock that went back (idle < 0) is left alone: the next minute corrects it.
        if idle is None or idle >= REFRESH_SECONDS:
            session[LAST_ACTIVITY_KEY] = now
        return None

    def expire(self, request, idle: int):
        from accounts.audit import SecurityEventKind, record

        user = request.user
        record(SecurityEventKind.SESSION_EXPIRED, request=request, user=user,
               detail=f"闲置 {idle // 60} 分钟（上限 {settings.SESSION_IDLE_MINUTES} 分钟）")
        logout(request)
        messages.warning(request, IDLE_MESSAGE)
        return redirect_to_login(request.get_full_path())


def is_authenticated(request) -> bool:
    """Whether the request is a logged-in user's, without a query the view did not need: the
    user when the view loaded it, else the session (which the session idle check has read)."""
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "_wrapped", None) is not empty:
        return bool(user.is_authenticated)
    session = getattr(request, "session", None)
    if session is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return SESSION_KEY in session


class NoStoreMiddleware:
    """After AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" in response.get("Cache-Control", ""):
            return response
        if is_authenticated(request):
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private
        return response
