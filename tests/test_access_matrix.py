"""The access matrix: every URL of the URL conf × every role, each answer checked against the
explicit table in tests/access_matrix_table.py. A URL without an entry fails, and so does an
entry whose URL is gone. The admin's generated model pages are left out, except those the
table names (the index, the indicator list and the project's own import and export pages).

The API's URLs (/api/v1/) are called with each role's read-write token; besides the table,
every one of them refuses a revoked token (401), answers a read-only token's write with 403
and changes nothing, and answers the browser's session as it answers the token.

The data (tests/access_matrix_world.py) is built once for the module inside a transaction that
is rolled back at its end; each test runs in a savepoint of it, so an empty POST that did
change something is undone before the next question."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from performance.models import Evidence
from tests.access_matrix_table import (
    ADMIN_NAMESPACE,
    API_PREFIX,
    DENIED,
    LOGIN,
    OK,
    TABLE,
    VARIANT,
)
from tests.access_matrix_world import EVIDENCE_BYTES, ROLES, ZIP, build_world

pytestmark = pytest.mark.django_db


def walk(patterns=None, prefix: str = "", namespace: str = ""):
    """(key, route, in the admin site) of every URL pattern: the key is the namespaced name,
    or "/route" for a pattern without a name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            route = prefix + str(pattern.pattern)
            key = f"{namespace}{pattern.name}" if pattern.name else f"/{route}"
            yield key, route, namespace.startswith(ADMIN_NAMESPACE)


def test_every_url_of_the_url_conf_has_an_entry_and_every_entry_a_url():
    found = {key: in_admin for key, _, in_admin in walk()}
    named = {key.split(VARIANT)[0] for key in TABLE}
    missing = sorted(key for key, in_admin in found.items() if not in_admin and key not in named)
    gone = sorted(key for key in named if key not in found)
    assert (missing, gone) == ([], []), "add these URLs to tests/access_matrix_table.py"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    storages = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with (django_db_blocker.unblock(),
          override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
                            STORAGES=storages, DEPARTMENT_TIER=True)):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def private_files(world, evidence_in_memory):
    """Each test gets a new in-memory evidence storage (tests/conftest.py), which also holds
    the report zips: put the world's files back."""
    for stored, content in ((world.evidence.file, EVIDENCE_BYTES), (world.report_job.file, ZIP)):
        storage = Evidence._meta.get_field("file").storage
        if not storage.exists(stored.name):
            storage.save(stored.name, ContentFile(content))


def login_paths() -> set[str]:
    return {resolve_url(settings.LOGIN_URL), reverse("admin:login")}


def outcome(response, api: bool = False) -> str:
    if response.status_code in (403, 404):
        return DENIED
    if response.status_code == 302 and urlparse(response["Location"]).path in login_paths():
        return LOGIN
    if api and response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer"), "a 401 names its scheme"
        return LOGIN
    return OK


def url_of(key: str, entry, world) -> str:
    name = key.split(VARIANT)[0]
    given = entry.kwargs(world)  # a tuple: positional (the API's, whatever its names)
    path = f"/{name.lstrip('/')}" if name.startswith("/") else reverse(
        name, **({"args": given} if isinstance(given, tuple) else {"kwargs": given}))
    query = entry.query(world)
    return f"{path}?{query}" if query else path


def is_api(url: str) -> bool:
    return url.startswith(API_PREFIX)


def call(entry, world, method: str, url: str, client):
    """The request as the table describes it: its JSON body and headers for the API."""
    extra = entry.headers(world)
    if entry.body is not None:
        return getattr(client, method)(url, entry.body(world), format="json", **extra)
    return getattr(client, method)(url, **extra)


CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese_detail(response, label: str) -> None:
    """An API refusal says why in one Chinese sentence ("detail"), never a framework's English
    default such as "No Notice matches the given query."."""
    if response.status_code < 400 or "json" not in response.get("Content-Type", ""):
        return
    detail = response.json().get("detail", "")
    assert CJK.search(str(detail)), f"{label}: {response.status_code} {detail!r}"


def api_client(world, role: str, kind: str = "read_write") -> APIClient:
    client = APIClient()
    if world.users[role] is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens[role][kind]}")
    return client


def _cases():
    for key, entry in TABLE.items():
        for method in entry.methods:
            for role in ROLES:
                marks = ([pytest.mark.xfail(strict=True, reason=entry.xfail[role])]
                         if role in entry.xfail else [])
                yield pytest.param(key, method, role, marks=marks,
                                   id=f"{key}-{method.upper()}-{role}")


@pytest.mark.parametrize("key, method, role", list(_cases()))
def test_each_role_gets_the_answer_the_table_gives(world, key, method, role):
    entry = TABLE[key]
    url = url_of(key, entry, world)
    if is_api(url):
        client = api_client(world, role)
    else:
        client = Client()
        if world.users[role] is not None:
            client.force_login(world.users[role])
    before = entry.state(world) if entry.state else None
    response = call(entry, world, method, url, client)
    assert response.status_code != 405, f"{method.upper()} {url}: wrong method in the table"
    got = outcome(response, is_api(url))
    assert got == entry.expect[role], (
        f"{method.upper()} {url} as {role}: {response.status_code} "
        f"{response.get('Location', '')} is {got}, the table says {entry.expect[role]}")
    if is_api(url) and got == OK:  # the table sends the current ETag: the rule answered
        assert response.status_code not in (412, 428), f"{method.upper()} {url}: If-Match"
    if is_api(url):
        assert_chinese_detail(response, f"{method.upper()} {url} as {role}")
    if entry.state and role not in entry.may_change:
        assert entry.state(world) == before, f"{method.upper()} {url} as {role} changed data"


# -- the API's tokens: revoked, read-only, and the browser's session instead of a token

API_CASES = [(key, method) for key, entry in TABLE.items() for method in entry.methods
             if key.startswith("api:")]
UNSAFE = {"post", "put", "patch", "delete"}


@pytest.mark.parametrize("key, method", API_CASES, ids=[f"{k}-{m.upper()}" for k, m in API_CASES])
def test_every_api_url_refuses_a_revoked_token(world, key, method):
    entry = TABLE[key]
    url = url_of(key, entry, world)
    before = entry.state(world) if entry.state else None
    response = call(entry, world, method, url, api_client(world, "superuser", "revoked"))
    assert response.status_code == 401, f"{method.upper()} {url}: {response.status_code}"
    assert entry.state is None or entry.state(world) == before


WRITES = [(key, method) for key, method in API_CASES if method in UNSAFE]


@pytest.mark.parametrize("key, method", WRITES, ids=[f"{k}-{m.upper()}" for k, m in WRITES])
def test_a_read_only_token_writes_nothing_anywhere(world, key, method):
    """Each write refused with 403 to a read-only token of every role the table lets write."""
    entry = TABLE[key]
    url = url_of(key, entry, world)
    writers = [role for role, expect in entry.expect.items()
               if expect == OK and world.users[role] is not None]
    assert writers
    for role in writers:
        before = entry.state(world) if entry.state else None
        response = call(entry, world, method, url, api_client(world, role, "read"))
        assert response.status_code == 403, f"{method.upper()} {url} as {role}: {response.status_code}"
        assert entry.state is None or entry.state(world) == before, f"{role} changed data"


@pytest.mark.parametrize("key, method", API_CASES, ids=[f"{k}-{m.upper()}" for k, m in API_CASES])
def test_the_browser_session_gets_the_answers_the_tokens_get(world, key, method):
    """The session (the browser's, Swagger UI's) acts with the same rights as its user's token."""
    entry = TABLE[key]
    url = url_of(key, entry, world)
    for role in ("filler_a", "filler_b", "finance"):
        client = APIClient()
        client.force_login(world.users[role])
        with transaction.atomic():
            response = call(entry, world, method, url, client)
            transaction.set_rollback(True)
        assert outcome(response, True) == entry.expect[role], (
            f"{method.upper()} {url} as {role} by session: {response.status_code}")
        assert_chinese_detail(response, f"{method.upper()} {url} as {role} by session")
