"""API authentication (api/authentication.py, api/permissions.py): a personal token as
`Authorization: Bearer …` (or `Token …`) acts as its owner; a malformed, unknown, revoked or
expired token and an anonymous caller get 401 with a Chinese detail and WWW-Authenticate; the
browser's session works and needs the CSRF token to write; a read-only token may not write.

A probe view of this module (mounted beside the site's URLs) stands for any endpoint: it runs
with the project's default authentication, permission and throttle classes."""

from datetime import timedelta

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from accounts.models import ApiToken, TokenScope
from accounts.tokens import create_token, revoke_token
from tests.entry_setup import UNUSABLE
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PROBE = "/probe/"
CHALLENGE = 'Bearer realm="api"'
UNSAFE = ("post", "put", "patch", "delete")


class Probe(APIView):
    """Answers who is asking and how; a write changes nothing."""

    def get(self, request):
        return Response(self.answer(request))

    def post(self, request):
        return Response(self.answer(request))

    put = patch = delete = post

    @staticmethod
    def answer(request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return {"user": request.user.get_username(), "token": token.pk if token else None}


urlpatterns = [path("probe/", Probe.as_view()), path("", include("config.urls"))]


@pytest.fixture
def owner():
    return UserFactory(username="owner", password=UNUSABLE)


def caller(header: str | None = None, **options) -> APIClient:
    client = APIClient(**options)
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client


def token_of(user, scope=TokenScope.READ_WRITE):
    return create_token(user, "tests", scope, 30)


def refused(response, detail: str):
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == CHALLENGE


# -- the token --

@pytest.mark.parametrize("keyword", ["Bearer", "bearer", "Token", "TOKEN"])
def test_a_token_acts_as_its_owner_under_either_keyword(owner, keyword):
    new = token_of(owner)
    response = caller(f"{keyword} {new.plaintext}").get(PROBE)
    assert response.status_code == 200
    assert response.json() == {"user": "owner", "token": new.token.pk}


def test_a_token_records_its_last_use_and_address(owner):
    new = token_of(owner)
    caller(f"Bearer {new.plaintext}").get(PROBE, REMOTE_ADDR="10.9.8.7")
    new.token.refresh_from_db()
    assert new.token.last_used_at is not None and new.token.last_used_ip == "10.9.8.7"


@pytest.mark.parametrize("header", ["Bearer", "Bearer  ", "Bearer jxt_a jxt_b", "Token a b c"])
def test_a_malformed_header_is_refused(owner, header):
    refused(caller(header).get(PROBE), "Authorization 头格式应为“Bearer <令牌>”。")


def test_a_token_that_is_not_ascii_is_refused(owner):
    sent = "jxt_令牌".encode().decode("latin-1")  # UTF-8 bytes, as a WSGI header carries them
    refused(caller(f"Bearer {sent}").get(PROBE), "API 令牌无效。")


@pytest.mark.parametrize("plaintext", ["jxt_" + "x" * 43, "ghp_somebodyelsestoken", "owner"])
def test_an_unknown_token_is_refused(owner, plaintext):
    token_of(owner)
    refused(caller(f"Bearer {plaintext}").get(PROBE), "API 令牌无效。")


def test_a_revoked_token_is_refused(owner):
    new = token_of(owner)
    revoke_token(new.token, owner)
    refused(caller(f"Bearer {new.plaintext}").get(PROBE), "API 令牌已吊销。")


def test_an_expired_token_is_refused_naming_when_it_expired(owner):
    new = token_of(owner)
    past = new.token.created_at - timedelta(days=2)
    ApiToken.objects.filter(pk=new.token.pk).update(created_at=past - timedelta(days=1),
                                                    expires_at=past)
    response = caller(f"Bearer {new.plaintext}").get(PROBE)
    assert response.status_code == 401 and response["WWW-Authenticate"] == CHALLENGE
    assert response.json()["detail"].startswith("API 令牌已于 ")
    assert response.json()["detail"].endswith(" 过期。")


def test_the_token_of_an_inactive_account_is_refused(owner):
    new = token_of(owner)
    owner.is_active = False
    owner.save()
    refused(caller(f"Bearer {new.plaintext}").get(PROBE), "令牌所有人的账号已停用。")


def test_without_credentials_the_answer_is_401_naming_the_scheme():
    response = caller().get(PROBE)
    assert response.status_code == 401 and response["WWW-Authenticate"] == CHALLENGE
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_another_scheme_is_not_taken_for_a_token(owner):
    response = caller("Basic b3duZXI6cHc=").get(PROBE)
    assert response.status_code == 401 and response.json()["detail"] == "身份认证信息未提供。"


def test_a_bad_token_is_refused_even_with_a_session(owner):
    """A program's bad credentials never fall back to a browser session of the same client."""
    new = token_of(owner)
    revoke_token(new.token, owner)
    client = caller(f"Bearer {new.plaintext}")
    client.force_login(owner)
    refused(client.get(PROBE), "API 令牌已吊销。")


# -- the scope --

@pytest.mark.parametrize("method", UNSAFE)
def test_a_read_only_token_may_not_write(owner, method):
    new = token_of(owner, TokenScope.READ)
    response = getattr(caller(f"Bearer {new.plaintext}"), method)(PROBE, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "该 API 令牌为只读权限，不能写入；请使用读写权限的令牌。"}


@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_a_read_only_token_may_read(owner, method):
    new = token_of(owner, TokenScope.READ)
    assert getattr(caller(f"Bearer {new.plaintext}"), method)(PROBE).status_code == 200


@pytest.mark.parametrize("method", UNSAFE)
def test_a_read_write_token_writes_without_a_csrf_token(owner, method):
    """CSRF protects a browser's cookies; a token is sent by the program itself."""
    new = token_of(owner, TokenScope.READ_WRITE)
    client = caller(f"Bearer {new.plaintext}", enforce_csrf_checks=True)
    response = getattr(client, method)(PROBE, {}, format="json")
    assert response.status_code == 200 and response.json()["token"] == new.token.pk


def test_the_scope_check_runs_on_the_request_factory_too(owner):
    """The same classes on a bare request (no middleware): a read-only token writing is 403."""
    new = token_of(owner, TokenScope.READ)
    request = APIRequestFactory().post(PROBE, {}, format="json",
                                       HTTP_AUTHORIZATION=f"Bearer {new.plaintext}")
    response = Probe.as_view()(request)
    assert response.status_code == 403


# -- the browser's session --

def test_the_session_authenticates_the_browser(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.get(PROBE)
    assert response.status_code == 200 and response.json() == {"user": "owner", "token": None}


def test_a_session_write_without_the_csrf_token_is_refused(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(PROBE, {}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_a_session_write_with_the_csrf_token_passes(owner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(PROBE, {}, format="json", HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 200 and response.json()["user"] == "owner"


def test_a_session_of_an_inactive_account_is_not_enough(owner):
    client = APIClient()
    client.force_login(owner)
    owner.is_active = False
    owner.save()
    assert client.get(PROBE).status_code == 401
