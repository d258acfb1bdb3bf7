"""What a token's scope allows: a read-only token reads, a read_write token also writes. The
browser's session is not a token: what its user may do is the pages' rules, checked by the
services as for the pages (and DRF's CSRF check)."""

from rest_framework import permissions

from accounts.models import ApiToken


class TokenScope(permissions.BasePermission):
    message = "该 API 令牌为只读权限，不能写入；请使用读写权限的令牌。"

    def has_permission(self, request, view):
        token = request.auth
        if request.method in permissions.SAFE_METHODS or not isinstance(token, ApiToken):
            return True
        return token.writes
