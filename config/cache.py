"""A Redis cache that degrades instead of failing (settings.CACHES with CACHE_URL=redis://…).

Everything the site caches (performance.services.page_cache, the dashboard's data) is also
computed without the cache, so a Redis that cannot be reached is only slower: every operation
behaves as a miss (get → default, add → False, incr → ValueError as for a missing key…), a
warning is logged, and for RETRY_SECONDS afterwards the cache is not even tried, so that a page
does not wait on a dead server once per cached fragment and the log gets one line, not
thousands. Connecting and reading time out after a second or two (OPTIONS may say otherwise).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 1
SOCKET_TIMEOUT_SECONDS = 2


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0

    # -- the circuit: closed while Redis answers, open for RETRY_SECONDS after a failure --

    def _is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, operation: str, error: Exception) -> None:
        with self._lock:
            first = not self._is_down()
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning("cache unreachable (%s: %s): pages render uncached; next try in %s s",
                           operation, error, RETRY_SECONDS)

    def _call(self, operation: str, miss, *args, **kwargs):
        if self._is_down():
            return miss()
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except UNREACHABLE as error:
            self._failed(operation, error)
            return miss()

    # -- every operation of RedisCache, each with what a miss means for it --

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", lambda: False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", lambda: None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", lambda: False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", dict, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", lambda: False, key, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return self._call("incr", missing, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda: list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", lambda: None, keys, version)

    def clear(self):
        return self._call("clear", lambda: False)
