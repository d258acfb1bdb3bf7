"""A page (or the overview's data) missed by many requests at once — right after a change — is
built once: the first caller builds under a lock in the cache, the others wait for its copy.
A builder that fails, a cache that cannot be reached, or a lock left by a dead builder never
leaves a caller without its page."""

import threading
import time

import pytest
from django.core.cache import cache

from performance.services import page_cache

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "single-flight"}}
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    return cache


def side_by_side(callers: int, call) -> list:
    """call() in `callers` threads started together; their results."""
    results, errors = [None] * callers, []
    start = threading.Barrier(callers)

    def run(i):
        start.wait()
        try:
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


class Builder:
    def __init__(self, seconds=0.3, fail=False):
        self.calls, self.seconds, self.fail = 0, seconds, fail
        self.lock = threading.Lock()

    def __call__(self):
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("build failed")
        return "<table>page</table>"


def test_many_callers_missing_the_same_page_build_it_once(memory_cache):
    build = Builder()
    results = side_by_side(8, lambda: page_cache.cached("stampede", ["v1"], build))
    assert results == ["<table>page</table>"] * 8
    assert build.calls == 1
    assert memory_cache.get(f"page:stampede:{digest('v1')}:building") is None  # lock released


def test_a_new_version_is_built_once_more_and_never_answered_with_the_old_copy(memory_cache):
    page_cache.cached("stampede", ["v1"], lambda: "old")
    build = Builder()
    results = side_by_side(6, lambda: page_cache.cached("stampede", ["v2"], build))
    assert results == ["<table>page</table>"] * 6
    assert build.calls == 1


def test_when_the_builder_fails_the_waiters_build_for_themselves(memory_cache):
    failing = Builder(seconds=0.2, fail=True)
    waiter = Builder(seconds=0)
    builder_error = []

    def first():
        try:
            page_cache.cached("failing", ["v1"], failing)
        except RuntimeError as error:
            builder_error.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.05)  # the first holds the lock
    assert page_cache.cached("failing", ["v1"], waiter) == "<table>page</table>"
    thread.join()
    assert builder_error and failing.calls == 1 and waiter.calls == 1


def test_a_lock_left_by_a_dead_builder_delays_a_page_at_most_the_wait(memory_cache, settings):
    settings.PAGE_CACHE_BUILD_WAIT_SECONDS = 0.3
    memory_cache.set(f"page:orphan:{digest('v1')}:building", 1, 60)  # its builder died
    build = Builder(seconds=0)
    start = time.monotonic()
    assert page_cache.cached("orphan", ["v1"], build) == "<table>page</table>"
    assert build.calls == 1 and time.monotonic() - start < 2


def test_an_unreachable_cache_builds_for_every_caller_without_waiting(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": CLOSED}}
    settings.PAGE_CACHE_SECONDS = 300
    build = Builder(seconds=0.2)
    start = time.monotonic()
    results = side_by_side(4, lambda: page_cache.cached("down", ["v1"], build))
    assert results == ["<table>page</table>"] * 4
    assert build.calls == 4
    assert time.monotonic() - start < 5  # nobody waited for a lock nobody holds


def live_redis() -> str | None:
    """REDIS_URL when a Redis answers there (the shared cache of a deployment), else None."""
    import redis
    from django.conf import settings

    url = getattr(settings, "REDIS_URL", "")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except (redis.exceptions.RedisError, OSError, ValueError):
        return None
    return url


def test_callers_sharing_a_redis_cache_build_a_missed_page_once(settings):
    url = live_redis()
    if url is None:
        pytest.skip("no Redis at REDIS_URL (.ci/services.sh redis starts one)")
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": url, "KEY_PREFIX": f"single-flight-{time.time()}"}}
    settings.PAGE_CACHE_SECONDS = 60
    build = Builder()
    results = side_by_side(6, lambda: page_cache.cached("shared", ["v1"], build))
    assert results == ["<table>page</table>"] * 6
    assert build.calls == 1


def test_with_the_cache_off_every_caller_builds(settings):
    settings.PAGE_CACHE_SECONDS = 0
    build = Builder(seconds=0)
    side_by_side(3, lambda: page_cache.cached("off", ["v1"], build))
    assert build.calls == 3


def digest(*parts) -> str:
    import hashlib

    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
