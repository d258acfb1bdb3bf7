"""The session idle timeout (config.middleware.SessionIdleMiddleware): a session unused for
SESSION_IDLE_MINUTES is logged out with a message and an audit event; activity keeps it alive,
and keeping it alive costs at most one session write a minute (none on the first request)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from config.middleware import IDLE_MESSAGE
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db
HOME = reverse("entry:home")
LOGIN = reverse("login")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def minutes(n):
    return START + datetime.timedelta(minutes=n)


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"]
            and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


@pytest.fixture
def filler(settings):
    settings.SESSION_IDLE_MINUTES = 30
    return make_team().filler


@pytest.fixture
def client_at_start(filler):
    with time_machine.travel(START, tick=False) as traveller:
        client = Client()
        client.force_login(filler)
        yield client, traveller


def test_an_idle_session_is_logged_out_with_a_message_and_an_audit_event(client_at_start, filler):
    client, traveller = client_at_start
    assert client.get(HOME).status_code == 200
    traveller.move_to(minutes(31))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    login_page = client.get(response["Location"])
    assert IDLE_MESSAGE in login_page.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SESSION_EXPIRED)
    assert event.user == filler and event.path == HOME
    # logged out: the next request is anonymous and has no second event
    assert client.get(HOME).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SESSION_EXPIRED).count() == 1


def test_activity_keeps_the_session_alive(client_at_start):
    client, traveller = client_at_start
    for at in (20, 45, 70):  # each gap under 30 minutes, 70 minutes in all
        traveller.move_to(minutes(at))
        assert client.get(HOME).status_code == 200, at
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.SESSION_EXPIRED).exists()


def test_the_first_request_after_login_writes_no_session(client_at_start):
    client, traveller = client_at_start
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    assert session_writes(queries.captured_queries) == []


def test_the_activity_stamp_is_written_at_most_once_a_minute(client_at_start):
    client, traveller = client_at_start
    traveller.move_to(START + datetime.timedelta(seconds=50))
    with CaptureQueriesContext(connection) as within_a_minute:
        client.get(HOME)
    traveller.move_to(START + datetime.timedelta(seconds=70))
    with CaptureQueriesContext(connection) as after_a_minute:
        client.get(HOME)
    assert session_writes(within_a_minute.captured_queries) == []
    assert len(session_writes(after_a_minute.captured_queries)) == 1


def test_a_zero_idle_limit_turns_the_timeout_off(client_at_start, settings):
    settings.SESSION_IDLE_MINUTES = 0
    client, traveller = client_at_start
    traveller.move_to(minutes(600))
    assert client.get(HOME).status_code == 200


def test_a_login_through_the_form_starts_the_idle_clock(filler, settings):
    filler.set_password("Pw-for-idle-42")
    filler.save()
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        response = client.post(LOGIN, {"username": filler.username, "password": "Pw-for-idle-42"})
        assert response.status_code == 302
        assert client.get(HOME).status_code == 200
        traveller.move_to(minutes(29))
        assert client.get(HOME).status_code == 200
        traveller.move_to(minutes(60))
        assert client.get(HOME).status_code == 302
