"""Log in, log out and change the password, in Chinese."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.entry_setup import PASSWORD, make_team, with_password

pytestmark = pytest.mark.django_db
LOGIN = reverse("login")


@pytest.fixture
def team():
    team = make_team()
    with_password(team.filler)
    return team


def test_the_login_page_is_in_chinese():
    page = Client().get(LOGIN).content.decode()
    assert "登录绩效通" in page and "用户名" in page and "密码" in page


def test_logging_in_leads_to_the_project_list(team):
    client = Client()
    response = client.post(LOGIN, {"username": team.filler.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("entry:home")
    assert team.project.name in client.get(reverse("entry:home")).content.decode()


def test_logging_in_returns_to_the_page_asked_for(team):
    target = reverse("entry:project", args=[team.project.pk])
    response = Client().post(f"{LOGIN}?next={target}", {
        "username": team.filler.username, "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_a_wrong_password_is_refused_with_a_chinese_message(team):
    response = Client().post(LOGIN, {"username": team.filler.username, "password": "wrong"})
    assert response.status_code == 200 and "用户名" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_logging_out_is_a_post(team):
    client = Client()
    client.force_login(team.filler)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.get(reverse("entry:home")).status_code == 302


def test_a_user_changes_their_password(team):
    client = Client()
    client.force_login(team.filler)
    assert "修改密码" in client.get(reverse("password_change")).content.decode()
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "新的密码-2026-jxt",
        "new_password2": "新的密码-2026-jxt"})
    assert response["Location"] == reverse("password_change_done")
    team.filler.refresh_from_db()
    assert team.filler.check_password("新的密码-2026-jxt")


def test_the_password_page_needs_a_login():
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
