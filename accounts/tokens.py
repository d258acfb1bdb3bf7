"""Personal API tokens (docs/api.md): create, find by the presented token, revoke.

A token is "jxt_" followed by 43 URL-safe characters (256 random bits). Only its SHA-256
digest is stored; the owner sees the token once. It acts with exactly its owner's
memberships, expires (at most API_TOKEN_MAX_DAYS days), and is read-only unless its scope is
read_write. Creating and revoking are recorded in the security audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import ApiToken, SecurityEventKind, TokenScope

PREFIX = "jxt_"
PREFIX_SHOWN = 8  # characters after "jxt_" kept to tell tokens apart
LAST_USED_EVERY = timedelta(minutes=1)  # how stale last_used_at may get (one UPDATE a minute)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plaintext: str  # shown once, never stored


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def live_tokens(user):
    now = timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)


def create_token(user, name: str, scope: str = TokenScope.READ, days: int | None = None, *,
                 request=None) -> NewToken:
    """A new token of `user`. Raises ValidationError (field → message) for a blank name, an
    unknown scope, a lifetime out of 1…API_TOKEN_MAX_DAYS or too many live tokens."""
    name = (name or "").strip()
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    errors = {}
    if not name:
        errors["name"] = "请填写令牌名称（用途）。"
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = "令牌名称不能超过 100 个字符。"
    if scope not in TokenScope.values:
        errors["scope"] = "权限范围只能是“只读”或“读写”。"
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = f"有效期须在 1 至 {settings.API_TOKEN_MAX_DAYS} 天之间。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if live_tokens(user).select_for_update().count() >= settings.API_TOKENS_PER_USER:
            raise ValidationError({"name": f"有效令牌已达上限（{settings.API_TOKENS_PER_USER} 个），"
                                           "请先吊销不再使用的令牌。"})
        plaintext = PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        token = ApiToken.objects.create(
            user=user, name=name, scope=scope, prefix=plaintext[:len(PREFIX) + PREFIX_SHOWN],
            digest=digest(plaintext), created_at=now, expires_at=now + timedelta(days=days))
        audit.record(SecurityEventKind.TOKEN_CREATED, request=request, user=user,
                     target=str(token),
                     detail=f"权限范围：{token.get_scope_display()}；到期：{token.expires_at:%Y-%m-%d}")
    return NewToken(token, plaintext)


def revoke_token(token: ApiToken, by, *, request=None) -> bool:
    """Revoke `token` (a conditional UPDATE: only the first revocation counts and is logged).
    True when this call revoked it."""
    now = timezone.now()
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=by)
    if done:
        token.revoked_at, token.revoked_by = now, by
        audit.record(SecurityEventKind.TOKEN_REVOKED, request=request, user=by,
                     target=f"{token}（所有人：{token.user.get_username()}）")
    return bool(done)


class TokenRefused(Exception):
    """The presented token cannot be used: the reason, in Chinese."""


def token_for(plaintext: str, *, ip: str | None = None) -> ApiToken:
    """The live token presented as `plaintext`, with its owner. Raises TokenRefused."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > 100:
        raise TokenRefused("API 令牌无效。")
    token = ApiToken.objects.select_related("user").filter(digest=digest(plaintext)).first()
    if token is None:
        raise TokenRefused("API 令牌无效。")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("API 令牌已吊销。")
    if token.expires_at <= now:
        raise TokenRefused(f"API 令牌已于 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M} 过期。")
    if not token.user.is_active:
        raise TokenRefused("令牌所有人的账号已停用。")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at, token.last_used_ip = now, ip
    return token
