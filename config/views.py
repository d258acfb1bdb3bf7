"""Site-wide views that belong to no app: the favicon at the root, and the admin's login page
for people who are logged in but are not staff (sent to their home page with a message instead
of Django's "log in with another account" form)."""

from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect, resolve_url
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ADMIN_ONLY = "管理后台仅供管理员使用。"


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, which browsers ask for on their own: the static file (hashed in production,
    so a temporary redirect that is cached for a day, not a permanent one)."""
    return redirect(static("favicon.ico"))


def admin_login(request, extra_context=None):
    """The admin's login page. Every admin page sends a visitor without admin rights here; a
    logged-in user without them goes to their home page with a message, everyone else gets
    the admin's own login (staff and anonymous visitors alike)."""
    user = request.user
    if user.is_authenticated and not admin.site.has_permission(request):
        messages.info(request, ADMIN_ONLY)
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return admin.site.login(request, extra_context)
