"""The API's documentation pages in a real Chromium: Swagger UI (/api/v1/docs/) and Redoc
(/api/v1/redoc/) load for a signed-in user under the site's Content-Security-Policy without one
violation or script error, fetch nothing from any host but the site itself (their assets are
the drf-spectacular-sidecar files under static/, no CDN, no web font service, no online
validator), and render the schema's operations.

    .venv/bin/python -m pytest -q -p no:randomly -m browser tests/test_api_docs_browser.py
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser import browser_page, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# what a page reports when the policy refuses something
VIOLATION = ("Refused to", "Content Security Policy", "Content-Security-Policy")


def _session_cookie(user, base_url) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


class Watch:
    """What one page did: policy violations, script errors, and every request it made."""

    def __init__(self, page):
        self.violations, self.errors, self.requests, self.failed = [], [], [], []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(
            f"{request.url}: {request.failure}"))
        # a violation Chromium does not log to the console still fires this event
        page.add_init_script("""document.addEventListener("securitypolicyviolation", (e) => {
            console.error(`Content-Security-Policy: refused ${e.violatedDirective} ${e.blockedURI}`);
        });""")

    def _console(self, message):
        if any(marker in message.text for marker in VIOLATION):
            self.violations.append(message.text)

    def foreign(self, base_url: str) -> list[str]:
        """Requests to a host other than the test server (data: and blob: stay local)."""
        ours = urlparse(base_url).netloc
        return [url for url in self.requests
                if urlparse(url).scheme in ("http", "https", "ws", "wss")
                and urlparse(url).netloc != ours]


def _open(page, url: str):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    assert "/login/" not in page.url
    return response


def _schema_operations(user) -> list[str]:
    """The operationIds of the schema the pages show."""
    client = Client()
    client.force_login(user)
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    return [operation["operationId"] for item in schema.json()["paths"].values()
            for operation in item.values() if isinstance(operation, dict)
            and "operationId" in operation]


def test_swagger_ui_renders_the_operations_with_local_assets_and_no_violation(live_server):
    user = UserFactory()
    operations = _schema_operations(user)
    with browser_page() as page:
        watch = Watch(page)
        page.context.add_cookies([_session_cookie(user, live_server.url)])
        _open(page, f"{live_server.url}{reverse('api:docs')}")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "绩效通 API" in page.inner_text(".swagger-ui .info .title")
        if operations:
            page.wait_for_selector(".swagger-ui .opblock")
            shown = page.locator(".swagger-ui .opblock").count()
            assert shown == len(operations)
        page.wait_for_timeout(500)  # late fetches (validator badge, fonts)
        screenshot(page, "api-docs-swagger")
    assert not watch.violations, "\n".join(watch.violations)
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.foreign(live_server.url), "\n".join(watch.foreign(live_server.url))
    assert not watch.failed, "\n".join(watch.failed)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in watch.requests)


def test_redoc_renders_the_operations_with_local_assets_and_no_violation(live_server):
    user = UserFactory()
    operations = _schema_operations(user)
    with browser_page() as page:
        watch = Watch(page)
        page.context.add_cookies([_session_cookie(user, live_server.url)])
        _open(page, f"{live_server.url}{reverse('api:redoc')}")
        page.wait_for_selector(".api-info h1")
        assert "绩效通 API" in page.inner_text(".api-info h1")
        for operation_id in operations:
            assert page.locator(f'[id="operation/{operation_id}"]').count() == 1, operation_id
        page.wait_for_timeout(500)
        screenshot(page, "api-docs-redoc")
    assert not watch.violations, "\n".join(watch.violations)
    assert not watch.errors, "\n".join(watch.errors)
    assert not watch.foreign(live_server.url), "\n".join(watch.foreign(live_server.url))
    assert not watch.failed, "\n".join(watch.failed)
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in watch.requests)
