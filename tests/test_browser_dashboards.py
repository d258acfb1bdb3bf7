"""Real browser: the finance overview and a unit's dashboard draw their ECharts charts.

    .venv/bin/python -m pytest tests/test_browser_dashboards.py -q
"""

import io

import pdfplumber
import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from tests.browser import browser_page, login, screenshot
from tests.dashboard_world import build_world

# serialized_rollback: the reference tables the migrations seed come back for the next test,
# and the flush after the test leaves content types for the serialized tests that follow
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pw-for-browser-tests"
CHARTS = ("execution", "grades", "heatmap")
A4_LONG, A4_SHORT = 297 / 25.4 * 72, 210 / 25.4 * 72  # in points


def sign_in(page, base_url, user):
    """Through the login page when there is one, else with a session cookie."""
    try:
        resolve("/accounts/login/")
    except Resolver404:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                   "value": cookie.value, "url": base_url}])
    else:
        user.set_password(PASSWORD)
        user.save()
        login(page, base_url, user.username, PASSWORD)


def drawn(page, chart: str) -> bool:
    """The chart's element holds a non-empty <svg> (or <canvas>) that ECharts drew."""
    return page.evaluate(
        """(name) => {
            const el = document.querySelector(`[data-chart="${name}"]`);
            if (!el || el.getAttribute("data-rendered") !== "true") return false;
            const svg = el.querySelector("svg");
            if (svg) return svg.querySelectorAll("path, rect, text").length > 0;
            const canvas = el.querySelector("canvas");
            return !!canvas && canvas.width > 0 && canvas.height > 0;
        }""",
        chart,
    )


def wait_for_charts(page):
    for chart in CHARTS:
        page.wait_for_selector(f'[data-chart="{chart}"][data-rendered="true"] svg')
        assert drawn(page, chart), chart
    assert not page.query_selector(".chart-error")


def test_the_finance_overview_draws_its_charts(live_server):
    world = build_world()
    errors = []
    with browser_page() as page:
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, live_server.url, world.finance)
        page.goto(f"{live_server.url}{reverse('dashboard:overview')}?period=2025-07")
        wait_for_charts(page)
        # the time-progress line and a bar per unit
        assert "时间进度 58.33%" in page.inner_text('[data-chart="execution"]')
        assert page.locator("table.units tbody tr").count() == 2
        screenshot(page, "dashboard-overview")
        # drill down from the red list to the unit
        page.click("table.watch a:has-text('广元市社会保险事务中心')")
        page.wait_for_url("**/dashboard/units/342601/**")
        wait_for_charts(page)
        assert page.locator("#project-1, tr[id^=project-]").first.is_visible()
        screenshot(page, "dashboard-unit")
    assert not errors


def test_the_printable_report_renders_in_a4_landscape(live_server):
    world = build_world()
    with browser_page() as page:
        sign_in(page, live_server.url, world.filler)
        page.goto(f"{live_server.url}{reverse('dashboard:report_print', args=['342601'])}"
                  "?period=2025-07")
        assert "落后项目培训人次" in page.inner_text("table")
        # the page size the report's CSS asks for (@page), not Playwright's default (Letter)
        pdf = page.pdf(prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            sizes = [(float(p.width), float(p.height)) for p in document.pages]
        assert sizes  # at least one page
        for width, height in sizes:  # A4 landscape: 297 mm × 210 mm = 841.9 pt × 595.3 pt
            assert width > height, f"portrait page {width} × {height} pt"
            assert width == pytest.approx(A4_LONG, abs=2)
            assert height == pytest.approx(A4_SHORT, abs=2)
        screenshot(page, "dashboard-report-print")
