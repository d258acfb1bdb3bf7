"""Stored XSS in the dashboards' charts (issue 18): unit and project names that are HTML or a
script render as text in every chart tooltip and label (static/dashboard/charts.js), in a real
Chromium, and run nothing.

    .venv/bin/python -m pytest -q -p no:randomly -m browser tests/test_charts_xss_browser.py
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from budget.models import Role
from performance.services.snapshot import refresh_snapshots
from tests.browser import browser_page, screenshot
from tests.dashboard_world import ensure_levels, member, monitored_project
from tests.factories import MonitoringPeriodFactory, UnitFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
CHARTS = ("execution", "grades", "heatmap")

# Every data item of every chart shown as a tooltip, as a user's mouse would: the text of the
# tooltip each time, and whether an <img>/<script> from the data reached the document.
HOVER_ALL = """(name) => {
    const el = document.querySelector(`[data-chart="${name}"]`);
    const chart = echarts.getInstanceByDom(el);
    const option = chart.getOption();
    const texts = [];
    option.series.forEach((series, seriesIndex) => {
        series.data.forEach((_, dataIndex) => {
            chart.dispatchAction({type: "showTip", seriesIndex, dataIndex});
            const tips = [...el.children].filter(c => !c.querySelector("svg"));
            texts.push(tips.map(t => t.innerText).join(" | "));
        });
    });
    chart.dispatchAction({type: "hideTip"});
    return texts;
}"""


def cookie(user, base_url) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


def hostile_world():
    """Two units and their projects named with markup."""
    ensure_levels()
    period = MonitoringPeriodFactory()
    unit = UnitFactory(code="342601", name=IMG)
    other = UnitFactory(code="342602", name=SCRIPT)
    monitored_project(period, unit, count_actual="10", spent="1", name=SCRIPT)
    monitored_project(period, unit, count_actual="50", spent="6", name=IMG)
    monitored_project(period, other, name=f"其他{IMG}")
    refresh_snapshots(period)
    return period, unit, member("finance", None, Role.FINANCE_REVIEWER)


def hover_every_chart(page) -> list[str]:
    texts = []
    for chart in CHARTS:
        page.wait_for_selector(f'[data-chart="{chart}"][data-rendered="true"] svg')
        texts += page.evaluate(HOVER_ALL, chart)
    return texts


def test_names_with_markup_render_as_text_in_the_chart_tooltips(live_server):
    period, unit, finance = hostile_world()
    errors = []
    with browser_page() as page:
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}{reverse('login')}")
        page.context.add_cookies([cookie(finance, live_server.url)])
        for label, path in (("overview", reverse("dashboard:overview")),
                            ("unit", reverse("dashboard:unit", args=[unit.code]))):
            page.goto(f"{live_server.url}{path}?period={period.code}")
            texts = hover_every_chart(page)
            joined = "\n".join(texts)
            screenshot(page, f"charts-xss-{label}")
            assert page.evaluate("window.__xss") is None, label
            assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
            # the literal names, as text: units on the overview, projects on the unit's page
            assert IMG in joined and SCRIPT in joined, (label, joined[:2000])
            page.mouse.move(300, 300)  # a real pointer over the page too
            assert page.evaluate("window.__xss") is None, label
    assert not errors, errors
