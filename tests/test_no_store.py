"""Authenticated pages are never stored (config.middleware.NoStoreMiddleware): a browser's
cache, its back button after logout, or a proxy must not keep a unit's data."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def team():
    return make_team()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["home", "project", "export", "notices", "dashboard"])
def test_every_response_to_a_logged_in_user_is_no_store_and_private(team, name):
    url = {
        "home": reverse("entry:home"),
        "project": f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}",
        "export": reverse("entry:export"),
        "notices": reverse("notices:list"),
        "dashboard": f"{reverse('dashboard:overview')}?period={team.period.code}",
    }[name]
    user = team.finance if name == "dashboard" else team.filler
    response = logged_in(user).get(url)
    assert response.status_code == 200, response.status_code
    assert {"no-store", "private"} <= cache_control(response)


def test_a_redirect_and_a_refusal_to_a_logged_in_user_are_no_store_too(team):
    client = logged_in(team.outsider)
    refused = client.get(reverse("entry:project", args=[team.project.pk]))
    assert refused.status_code in (403, 404)
    assert "no-store" in cache_control(refused)


def test_the_response_to_a_successful_login_is_no_store(team):
    team.filler.set_password("Pw-for-no-store-42")
    team.filler.save()
    response = Client().post(reverse("login"), {"username": team.filler.username,
                                                "password": "Pw-for-no-store-42"})
    assert response.status_code == 302
    assert "no-store" in cache_control(response)


def test_the_favicon_keeps_its_public_cache_header(team):
    response = logged_in(team.filler).get("/favicon.ico")
    assert "public" in cache_control(response) and "no-store" not in cache_control(response)
