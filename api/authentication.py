"""`Authorization: Bearer jxt_…`: a personal API token (accounts.tokens) acts as its owner.

Wrong tokens are counted per address (the cache): past API_BAD_TOKEN_LIMIT in
API_BAD_TOKEN_MINUTES an address gets 429 without a database lookup, so guessing costs the
server nothing. With the cache unreachable nothing is counted (a degraded feature, no 500)."""

import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication, exceptions

from accounts.audit import client_ip
from accounts.tokens import TokenRefused, token_for

KEYWORDS = ("bearer", "token")
log = logging.getLogger(__name__)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None  # not ours: the session may authenticate
        ip = client_ip(request)
        if _failures(ip) >= settings.API_BAD_TOKEN_LIMIT:
            raise exceptions.Throttled(
                wait=settings.API_BAD_TOKEN_MINUTES * 60,
                detail="来自该地址的无效 API 令牌过多，请稍后再试。")
        if len(header) != 2:
            _count_failure(ip)
            raise exceptions.AuthenticationFailed("Authorization 头格式应为“Bearer <令牌>”。")
        try:
            plaintext = header[1].decode("ascii")
            token = token_for(plaintext, ip=ip)
        except (UnicodeDecodeError, TokenRefused) as exc:
            _count_failure(ip)
            text = str(exc) if isinstance(exc, TokenRefused) else "API 令牌无效。"
            raise exceptions.AuthenticationFailed(text) from None
        return token.user, token

    def authenticate_header(self, request):
        # a 401 (not 403) for a request without credentials, naming the scheme
        return 'Bearer realm="api"'


def _key(ip) -> str:
    return f"api-bad-token:{ip or '-'}"


def _failures(ip) -> int:
    try:
        return int(cache.get(_key(ip)) or 0)
    except Exception:  # noqa: BLE001 — an unreachable cache counts nothing
        log.warning("bad-token counter unavailable", exc_info=True)
        return 0


def _count_failure(ip) -> None:
    key, seconds = _key(ip), settings.API_BAD_TOKEN_MINUTES * 60
    try:
        if not cache.add(key, 1, seconds):
            cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
    except Exception:  # noqa: BLE001
        log.warning("bad-token counter unavailable", exc_info=True)
