"""Guessing tokens (api/authentication.py): wrong tokens are counted per address; past
API_BAD_TOKEN_LIMIT the address gets 429 before any database lookup, other addresses and
valid tokens from elsewhere are unaffected, and an unreachable cache counts nothing."""

import pytest
from django.core import cache as cache_module
from rest_framework.test import APIClient

from tests.api_setup import bearer
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/units/"
CLOSED = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


@pytest.fixture
def limit(settings):
    settings.API_BAD_TOKEN_LIMIT = 3
    settings.API_BAD_TOKEN_MINUTES = 10
    return 3


def guess(ip: str, token: str = "jxt_not-a-token"):
    return APIClient().get(UNITS, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=ip)


def test_an_address_guessing_tokens_is_refused_after_the_limit(limit):
    answers = [guess("10.0.0.7") for _ in range(limit + 1)]
    assert [a.status_code for a in answers] == [401] * limit + [429]
    assert answers[-1].json()["detail"].startswith("来自该地址的无效 API 令牌过多")
    assert answers[-1]["Retry-After"] == "600"


def test_a_refused_address_costs_no_query(limit, django_assert_num_queries):
    for _ in range(limit):
        guess("10.0.0.7")
    with django_assert_num_queries(0):
        assert guess("10.0.0.7").status_code == 429


def test_another_address_and_a_good_token_elsewhere_still_work(limit):
    team = make_team()
    for _ in range(limit):
        guess("10.0.0.7")
    assert guess("10.0.0.8").status_code == 401
    good = bearer(team.filler)
    assert good.get(UNITS, REMOTE_ADDR="10.0.0.9").status_code == 200


def test_malformed_and_non_ascii_tokens_count_as_wrong(limit):
    client = APIClient()
    for header in ("Bearer", "Bearer a b", "Bearer jxt_é".encode().decode("latin-1")):
        client.get(UNITS, HTTP_AUTHORIZATION=header, REMOTE_ADDR="10.0.0.5")
    assert guess("10.0.0.5").status_code == 429


def test_a_revoked_token_counts_as_a_wrong_one(limit):
    from tests.api_setup import revoked

    team = make_team()
    client = revoked(team.filler)
    codes = [client.get(UNITS, REMOTE_ADDR="10.0.0.6").status_code for _ in range(limit + 1)]
    assert codes == [401] * limit + [429]


def test_with_the_cache_unreachable_nothing_is_counted_and_nothing_fails(limit, settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.DegradingRedisCache",
                                   "LOCATION": CLOSED}}
    assert type(cache_module.caches["default"]).__name__ == "DegradingRedisCache"
    assert [guess("10.0.0.7").status_code for _ in range(limit + 2)] == [401] * (limit + 2)
