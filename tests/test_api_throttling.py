"""API throttling (api/throttling.py): each token has its own budget (two tokens of one person
too), the browser's session one per user, an anonymous caller one per address; the 429 answer
says in Chinese when to try again and carries Retry-After; with the cache unreachable nothing
is throttled and nothing fails.

DRF binds the rates when the throttle classes are defined (SimpleRateThrottle.THROTTLE_RATES
is the settings' dict of that moment), so overriding settings.REST_FRAMEWORK would not reach
them: the tests patch the classes' THROTTLE_RATES instead."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import cache as cache_module
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from accounts.models import TokenScope
from accounts.tokens import create_token
from api.throttling import AnonymousThrottle, PerTokenThrottle
from config import cache as degrading
from tests.entry_setup import UNUSABLE
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PROBE, OPEN_PROBE = "/probe/", "/open-probe/"
TOKEN_RATE, ANONYMOUS_RATE = 3, 2
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


class Probe(APIView):
    """Any endpoint: the project's default authentication, permissions and throttles."""

    def get(self, request):
        return Response({"ok": True})


class OpenProbe(Probe):
    """An endpoint open to anyone (as the schema is): only here does an anonymous caller get
    as far as the throttles (DRF checks permissions first)."""

    permission_classes = [AllowAny]


urlpatterns = [path("probe/", Probe.as_view()), path("open-probe/", OpenProbe.as_view()),
               path("", include("config.urls"))]


@pytest.fixture(autouse=True)
def small_rates(monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": f"{TOKEN_RATE}/min"})
    monkeypatch.setattr(AnonymousThrottle, "THROTTLE_RATES",
                        {"anonymous": f"{ANONYMOUS_RATE}/min"})


@pytest.fixture
def owner():
    return UserFactory(username="owner", password=UNUSABLE)


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {create_token(user, 'tests', TokenScope.READ, 30).plaintext}")
    return client


def statuses(client, times: int, url: str = PROBE, **extra) -> list[int]:
    return [client.get(url, **extra).status_code for _ in range(times)]


def test_a_token_is_throttled_after_its_rate(owner):
    client = bearer(owner)
    assert statuses(client, TOKEN_RATE + 2) == [200] * TOKEN_RATE + [429, 429]


def test_the_429_says_in_chinese_when_to_try_again(owner):
    client = bearer(owner)
    with time_machine.travel(NOW, tick=False) as clock:
        statuses(client, TOKEN_RATE)
        clock.shift(timedelta(seconds=20))
        response = client.get(PROBE)
    assert response.status_code == 429
    detail = response.json()["detail"]
    assert detail.startswith("请求已被限流。") and "预计 40 秒后可用。" in detail
    assert response["Retry-After"] == "40"


def test_the_budget_comes_back_when_the_minute_has_passed(owner):
    client = bearer(owner)
    with time_machine.travel(NOW, tick=False) as clock:
        assert statuses(client, TOKEN_RATE + 1)[-1] == 429
        clock.shift(timedelta(seconds=61))
        assert statuses(client, TOKEN_RATE) == [200] * TOKEN_RATE


def test_two_tokens_of_one_person_have_separate_budgets(owner):
    first, second = bearer(owner), bearer(owner)
    assert statuses(first, TOKEN_RATE + 1)[-1] == 429
    assert statuses(second, TOKEN_RATE) == [200] * TOKEN_RATE
    assert first.get(PROBE).status_code == 429


def test_other_peoples_tokens_are_not_affected(owner):
    assert statuses(bearer(owner), TOKEN_RATE + 1)[-1] == 429
    other = bearer(UserFactory(username="other", password=UNUSABLE))
    assert statuses(other, TOKEN_RATE) == [200] * TOKEN_RATE


def test_the_browsers_session_has_a_budget_per_user_apart_from_the_tokens(owner):
    assert statuses(bearer(owner), TOKEN_RATE + 1)[-1] == 429
    browser = APIClient()
    browser.force_login(owner)
    assert statuses(browser, TOKEN_RATE + 1) == [200] * TOKEN_RATE + [429]
    another_tab = APIClient()
    another_tab.force_login(owner)  # another session of the same person: the same budget
    assert another_tab.get(PROBE).status_code == 429


def test_an_anonymous_caller_is_throttled_per_address():
    client = APIClient()
    here = {"REMOTE_ADDR": "10.0.0.1"}
    assert statuses(client, ANONYMOUS_RATE + 1, OPEN_PROBE, **here) == (
        [200] * ANONYMOUS_RATE + [429])
    assert client.get(OPEN_PROBE, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_token_caller_is_not_counted_as_anonymous(owner):
    client = bearer(owner)
    assert statuses(client, TOKEN_RATE, OPEN_PROBE) == [200] * TOKEN_RATE
    assert APIClient().get(OPEN_PROBE).status_code == 200  # the address's budget is untouched


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": CLOSED}}
    # Django's setting_changed receiver drops the cache connections, here and after the test
    assert isinstance(cache_module.caches["default"], degrading.DegradingRedisCache)


def test_with_the_cache_unreachable_nothing_is_throttled_and_nothing_fails(owner, dead_cache):
    client = bearer(owner)
    assert statuses(client, TOKEN_RATE * 3) == [200] * (TOKEN_RATE * 3)
    assert statuses(APIClient(), ANONYMOUS_RATE * 3, OPEN_PROBE) == [200] * (ANONYMOUS_RATE * 3)
    assert APIClient().get(PROBE).status_code == 401  # still authenticated, just not counted
