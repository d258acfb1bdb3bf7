"""Writing the security audit log (docs/security.md): one call, `record`, from every place
that does something an assessor asks about. It never raises: an event that cannot be written
is logged as an error, and the user's action goes on."""

from __future__ import annotations

import ipaddress
import logging
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, transaction

from .models import SecurityEvent, SecurityEventKind

logger = logging.getLogger(__name__)

__all__ = ["SecurityEventKind", "client_ip", "current_request", "record"]

# The request being answered, set by accounts.middleware.AuditDownloadsMiddleware: an event
# recorded by a service that is not given the request (a period lock, a password change, an
# admin change) still gets the address and the path.
_current_request: ContextVar = ContextVar("audit_request", default=None)


def current_request():
    """The request this thread or task is answering, or None (a command, a Celery task)."""
    return _current_request.get()


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or with BEHIND_PROXY the X-Real-IP header that the
    reverse proxy (deploy/nginx.conf) sets from the connection it accepted, overwriting what a
    client sent. X-Forwarded-For is never trusted: a client can write anything into it."""
    if request is None:
        return None
    header = "HTTP_X_REAL_IP" if settings.BEHIND_PROXY else "REMOTE_ADDR"
    value = (request.META.get(header) or "").strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def record(kind: str, *, request=None, user=None, username: str = "", target: str = "",
           detail: str = "") -> SecurityEvent | None:
    """Add one event. `user` defaults to the request's authenticated user; `username` to that
    user's name (give it for a failed login, where there is no account). Without `request`,
    the request being answered (current_request) gives the address and path."""
    if request is None:
        request = current_request()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not username:
        username = user.get_username()
    path = request.get_full_path()[:300] if request is not None else ""
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's transaction usable
            return SecurityEvent.objects.create(
                kind=kind, user=user, username=(username or "")[:150], ip=client_ip(request),
                path=path, target=(target or "")[:300], detail=detail or "")
    except DatabaseError:
        logger.error("security audit: could not record %s for %s", kind, username, exc_info=True)
        return None
