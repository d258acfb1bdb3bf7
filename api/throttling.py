"""Throttling per token (each token its own budget), per user for the browser's session, per
address for requests without credentials. The counts live in the cache: with Redis down
(config.cache.DegradingRedisCache) every request is a miss, so nothing is throttled rather than
everything refused."""

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousThrottle(SimpleRateThrottle):
    scope = "anonymous"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
