"""Reusable helpers of the real-browser tests: Debian's Chromium driven by Playwright.

    from tests.browser import browser_page, login, screenshot

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_something(live_server):
        with browser_page() as page:
            login(page, live_server.url, "user", "password")
            ...
            screenshot(page, "something")

Never `playwright install`: the tests use /usr/bin/chromium (apt-get install chromium
fonts-noto-cjk; `.ci/services.sh chromium`, run by `make test`, does it). Without it the
tests fail (deselect them with `-m "not browser"`).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 15_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@contextmanager
def browser_page(*, width: int = 1366, height: int = 900, locale: str = "zh-CN"):
    """A fresh browser context and page; closed (with the browser) on exit."""
    if not chromium_available():  # a failure, not a skip: CI must not pass without it
        pytest.fail(f"{CHROMIUM} is missing: run `.ci/services.sh chromium` "
                    "(apt-get install chromium fonts-noto-cjk); never `playwright install`")
    from playwright.sync_api import sync_playwright

    # Playwright runs its own event loop; Django refuses ORM calls from inside one unless told.
    # Only while the browser runs: a subprocess started later (check --deploy) must not see it.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 headless=True)
            try:
                context = browser.new_context(viewport={"width": width, "height": height},
                                              locale=locale)
                context.set_default_timeout(TIMEOUT_MS)
                yield context.new_page()
                context.close()
            finally:
                # ORM calls made inside this block ran in Playwright's event-loop context, which
                # has database connections of its own: close them here, in that context, or one
                # outlives the run and PostgreSQL cannot drop the test database.
                connections.close_all()
                browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


def login(page, base_url: str, username: str, password: str) -> None:
    """Log in through the login page; ends on the page the login redirects to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {username} failed: {page.inner_text('main')[:300]}")


def logout(page) -> None:
    """Log out with the header's menu (a POST with CSRF)."""
    page.click("header .dropdown-toggle")
    with page.expect_navigation():
        page.click("header button:has-text('退出登录')")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG under test-artifacts/ (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
