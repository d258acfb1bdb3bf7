"""The OpenAPI schema of /api/v1/ (drf-spectacular, docs/api.md): it generates without one
warning or error (what `manage.py spectacular --validate --fail-on-warn` refuses) and validates
as OpenAPI 3, so another system's developers can generate a client from it. Every path is under
/api/v1/, every API URL of the URL conf is in it, operationIds are unique, the bearer token
scheme is declared, money and values are strings (never a float), field names are snake_case,
and every write of values or workflow step documents If-Match with its 412 and 428 answers. The
schema itself needs a signed-in caller.

    .venv/bin/python -m pytest -q -p no:randomly tests/test_api_schema.py
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLResolver, get_resolver, reverse
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.api_setup import bearer
from tests.factories import UserFactory

PREFIX = "/api/v1/"
# the pages about the schema, not operations of it
NOT_OPERATIONS = {"api:schema", "api:docs", "api:redoc"}
# the workflow steps on a project in a period (helper D's values and workflow routes)
WORKFLOW_STEP = re.compile(r"^/api/v1/periods/\{[^}]+\}/projects/\{[^}]+\}/"
                           r"(submit|approve|return|department-approve|department-return|reopen)/$")
VALUES = re.compile(r"^/api/v1/periods/\{[^}]+\}/projects/\{[^}]+\}/values/$")
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def generated():
    """(schema, warnings, errors): the schema as `manage.py spectacular` generates it, with the
    messages drf-spectacular's generator emitted meanwhile."""
    reset_generator_stats()
    with GENERATOR_STATS.silence():  # kept, not printed
        schema = SchemaGenerator().get_schema(request=None, public=True)
    found = (list(GENERATOR_STATS._warn_cache), list(GENERATOR_STATS._error_cache))
    reset_generator_stats()
    return schema, *found


@pytest.fixture(scope="module")
def schema(generated):
    return generated[0]


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def api_routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(name, route) of every pattern of the api namespace."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from api_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif namespace.startswith("api:"):
            yield f"{namespace}{pattern.name}", "/" + prefix + str(pattern.pattern)


def as_openapi_path(route: str) -> str:
    """/api/v1/units/<str:code>/ → /api/v1/units/{code}/ (pk named "id" unless DRF's
    SCHEMA_COERCE_PATH_PK is off)"""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route)
    return path.replace("{pk}", "{id}") if api_settings.SCHEMA_COERCE_PATH_PK else path


def test_the_schema_generates_without_a_warning_or_an_error(generated):
    _, warnings, errors = generated
    assert (warnings, errors) == ([], []), "\n".join(warnings + errors)


def test_the_schema_validates_as_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises jsonschema's ValidationError


def test_every_path_is_under_the_version_prefix(schema):
    outside = [path for path in schema["paths"] if not path.startswith(PREFIX)]
    assert not outside


def test_every_api_url_of_the_url_conf_is_in_the_schema(schema):
    routes = {name: as_openapi_path(route) for name, route in api_routes()
              if name not in NOT_OPERATIONS}
    missing = sorted(f"{name} {path}" for name, path in routes.items()
                     if path not in schema["paths"])
    assert not missing


def test_operation_ids_are_unique(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids)), sorted(i for i in set(ids) if ids.count(i) > 1)


def test_every_operation_is_tagged_in_english(schema):
    untagged = [f"{method.upper()} {path}" for path, method, operation in operations(schema)
                if not operation.get("tags")
                or not all(re.fullmatch(r"[a-z][a-z-]*", tag) for tag in operation["tags"])]
    assert not untagged


def test_the_bearer_token_scheme_is_declared_and_required(schema):
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    unsecured = [f"{method.upper()} {path}" for path, method, operation in operations(schema)
                 if {"apiToken": []} not in operation.get("security", [])]
    assert not unsecured, "an operation anybody may call"


def _properties(node, where="#"):
    """(where, name, property schema) of every property anywhere in a schema tree."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{where}.{name}", name, prop
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{where}[{index}]")


def _numbers(node, where="#"):
    if isinstance(node, dict):
        if node.get("type") == "number":
            yield where
        for key, value in node.items():
            yield from _numbers(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, f"{where}[{index}]")


def test_field_names_are_snake_case(schema):
    bad = sorted({where for where, name, _ in _properties(schema) if not SNAKE_CASE.match(name)})
    assert not bad


def test_no_value_is_a_float_decimals_are_strings(schema):
    floats = sorted(set(_numbers(schema)))
    assert not floats, "Decimal fields must be strings (COERCE_DECIMAL_TO_STRING)"


def _if_match(operation) -> dict | None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter["name"].lower() == "if-match":
            return parameter
    return None


def test_the_values_and_workflow_paths_exist(schema):
    paths = list(schema["paths"])
    assert any(VALUES.match(path) for path in paths), "values resource missing"
    steps = {WORKFLOW_STEP.match(path).group(1) for path in paths if WORKFLOW_STEP.match(path)}
    assert steps == {"submit", "approve", "return", "department-approve",
                     "department-return", "reopen"}


def test_every_write_of_values_and_every_workflow_step_requires_if_match(schema):
    writes = [(path, method, operation) for path, method, operation in operations(schema)
              if (VALUES.match(path) and method in {"put", "patch"})
              or (WORKFLOW_STEP.match(path) and method == "post")]
    assert writes
    wrong = []
    for path, method, operation in writes:
        parameter = _if_match(operation)
        if parameter is None or not parameter.get("required"):
            wrong.append(f"{method.upper()} {path}: no required If-Match header")
        for status in ("409", "412", "428"):
            if status not in operation["responses"]:
                wrong.append(f"{method.upper()} {path}: no {status} answer")
    assert not wrong


def test_reading_values_documents_the_etag_header(schema):
    operation = next(operation for path, method, operation in operations(schema)
                     if VALUES.match(path) and method == "get")
    headers = operation["responses"]["200"].get("headers", {})
    assert "ETag" in headers


@pytest.mark.django_db
def test_the_schema_needs_a_signed_in_caller():
    url = reverse("api:schema")
    anonymous = APIClient().get(url)
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    user = UserFactory()
    assert bearer(user).get(url).status_code == 200
    browser = APIClient()
    browser.force_login(user)
    assert browser.get(url, HTTP_ACCEPT="application/vnd.oai.openapi+json").status_code == 200
