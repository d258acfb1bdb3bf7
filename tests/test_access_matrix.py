"""The access matrix: every URL of the URL conf × every role, each answer checked against the
explicit table in tests/access_matrix_table.py. A URL without an entry fails, and so does an
entry whose URL is gone. The admin's generated model pages are left out, except those the
table names (the index, the indicator list and the project's own import and export pages).

The data (tests/access_matrix_world.py) is built once for the module inside a transaction that
is rolled back at its end; each test runs in a savepoint of it, so an empty POST that did
change something is undone before the next question."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse

from performance.models import Evidence
from tests.access_matrix_table import ADMIN_NAMESPACE, DENIED, LOGIN, OK, TABLE
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
    missing = sorted(key for key, in_admin in found.items() if not in_admin and key not in TABLE)
    gone = sorted(key for key in TABLE if key not in found)
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


def outcome(response) -> str:
    if response.status_code in (403, 404):
        return DENIED
    if response.status_code == 302 and urlparse(response["Location"]).path in login_paths():
        return LOGIN
    return OK


def url_of(key: str, entry, world) -> str:
    path = f"/{key.lstrip('/')}" if key.startswith("/") else reverse(key,
                                                                       kwargs=entry.kwargs(world))
    query = entry.query(world)
    return f"{path}?{query}" if query else path


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
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    url = url_of(key, entry, world)
    before = entry.state(world) if entry.state else None
    response = getattr(client, method)(url)
    assert response.status_code != 405, f"{method.upper()} {url}: wrong method in the table"
    got = outcome(response)
    assert got == entry.expect[role], (
        f"{method.upper()} {url} as {role}: {response.status_code} "
        f"{response.get('Location', '')} is {got}, the table says {entry.expect[role]}")
    if entry.state and role not in entry.may_change:
        assert entry.state(world) == before, f"{method.upper()} {url} as {role} changed data"
