"""A cache that cannot be reached (config.cache.DegradingRedisCache): pages render uncached,
one warning is logged, and no operation raises."""

import logging

import pytest
from django.core import cache as cache_module
from django.test import Client
from django.urls import reverse

from config import cache as degrading
from tests.dashboard_world import build_world

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": CLOSED}}
    settings.PAGE_CACHE_SECONDS = 300
    # Django's setting_changed receiver drops the cache connections, here and after the test
    cache = cache_module.caches["default"]
    assert isinstance(cache, degrading.DegradingRedisCache)
    return cache

def test_every_operation_of_an_unreachable_cache_is_a_miss(dead_redis):
    cache = dead_redis
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete_many(["a"]) is None
    assert cache.has_key("k") is False
    assert cache.get_or_set("k", 7) == 7
    with pytest.raises(ValueError):
        cache.incr("k")
    with pytest.raises(ValueError):
        cache.decr("k")
    assert cache.clear() is False


def test_an_unreachable_cache_logs_one_warning_not_one_per_call(dead_redis, caplog, monkeypatch):
    calls = []
    original = degrading.RedisCache.get

    def counting_get(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(degrading.RedisCache, "get", counting_get)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for _ in range(50):
            assert dead_redis.get("k") is None
    warnings = [r for r in caplog.records if r.name == "config.cache"]
    assert len(warnings) == 1 and "cache unreachable" in warnings[0].getMessage()
    assert len(calls) == 1  # the others did not even try the dead server


def test_the_circuit_tries_again_after_the_retry_delay(dead_redis, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(degrading.time, "monotonic", lambda: clock[0])
    assert dead_redis.get("k") is None
    assert dead_redis._is_down()
    clock[0] += degrading.RETRY_SECONDS + 1
    assert not dead_redis._is_down()


@pytest.mark.django_db
def test_pages_render_when_the_cache_is_unreachable(dead_redis, caplog):
    world = build_world()
    project = world.unit.projects.first()
    period = world.period.code
    pages = [
        (world.filler, reverse("entry:home")),
        (world.filler, f"{reverse('entry:project', args=[project.pk])}?period={period}"),
        (world.finance, f"{reverse('dashboard:overview')}?period={period}"),
        (world.finance, f"{reverse('dashboard:unit', args=[world.unit.code])}?period={period}"),
        (world.finance, f"{reverse('dashboard:api_execution')}?period={period}"),
        (world.finance, f"{reverse('dashboard:api_heatmap')}?period={period}"),
    ]
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        for user, url in pages:
            client = Client()
            client.force_login(user)
            for _ in range(2):  # the second time would be served from a cache
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
    assert any("cache unreachable" in r.getMessage() for r in caplog.records)
