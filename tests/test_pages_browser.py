"""Real browser (Debian's Chromium via Playwright): every main page, as the role that uses it,
at a 390×844 phone and at a 1366×768 desk, has no horizontal overflow (wide tables scroll inside
their own box) and passes an axe-core scan with no serious or critical violation.

axe-core is vendored from its npm package as a test asset (tests/assets/axe.min.js, axe-core
4.14.1, MPL-2.0, licence in tests/assets/axe-LICENSE.txt); it is injected into the page under
test and never served by the site. Its `target-size` rule (WCAG 2.2, 24 × 24 px touch targets)
is off by default and switched on here.

    .venv/bin/python -m pytest -q -p no:randomly -m browser tests/test_pages_browser.py
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from performance.models import Notice
from tests.adjust_setup import change_targets
from tests.browser import browser_page, screenshot
from tests.entry_setup import make_team
from tests.factories import (
    BudgetSuggestionFactory,
    CheckedProjectFactory,
    IndicatorRecordFactory,
    MonitoringPeriodFactory,
    NoticeFactory,
    ProjectRecordFactory,
    RectificationFactory,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
SIZES = {"phone": (390, 844), "desk": (1366, 768)}
BLOCKING = {"serious", "critical"}
AXE_RUN = """() => axe.run(document, {
    resultTypes: ['violations'],
    rules: {'target-size': {enabled: true}},
}).then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ') + (n.any[0] && n.any[0].data
        && n.any[0].data.fgColor ? ` ${n.any[0].data.fgColor}/${n.any[0].data.bgColor}=${n.any[0].data.contrastRatio}` : '')),
})))"""
OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    wide: [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.right > window.innerWidth + 1 && !e.closest('.table-responsive, .table-scroll, .table-container');
    }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))})"""


def _world():
    """One unit's project, scored, checked, adjusted, with a 整改事项, a 结果应用 suggestion and a
    notice: every main page has a row to show."""
    team = make_team()
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(80))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(92))
    MonitoringPeriodFactory()
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    RectificationFactory(project=team.project, period=team.period)
    BudgetSuggestionFactory(project=team.project, period=team.period)
    NoticeFactory(recipient=team.filler, subject="【绩效通】项目已退回",
                  body="“测试项目”已退回：请补充偏差原因。",
                  url=f"/projects/{team.project.pk}/?period={team.period.code}")
    change_targets(team.project, team.filler, {team.indicators[0].pk: {"target_value":
                                                                       Decimal(90)}},
                   effective_from=datetime.date(2025, 9, 1))
    return team, checked


def _pages(team, checked):
    """(role, name, path) of the main pages."""
    code, pk, period = team.unit.code, team.project.pk, team.period.code
    return [
        ("filler", "home", reverse("entry:home")),
        ("filler", "project", f"{reverse('entry:project', args=[pk])}?period={period}"),
        ("filler", "notices", reverse("notices:list")),
        ("filler", "rectification", reverse("rectification:list")),
        ("reviewer", "review-index", reverse("review:index")),
        ("reviewer", "review-unit", reverse("review:unit", args=[code, team.project.year])),
        ("reviewer", "adjustments", reverse("adjustments:queue")),
        ("finance", "review-unit-finance", reverse("review:unit",
                                                   args=[code, team.project.year])),
        ("finance", "dashboard", f"{reverse('dashboard:overview')}?period={period}"),
        ("finance", "dashboard-unit", f"{reverse('dashboard:unit', args=[code])}?period={period}"),
        ("finance", "checks", reverse("checks:batches")),
        ("finance", "check", reverse("checks:check", args=[checked.pk])),
        ("finance", "checks-overview", f"{reverse('checks:overview')}?period={period}"),
        ("finance", "results", f"{reverse('results:list')}?period={period}"),
        ("finance", "rectification-finance", reverse("rectification:list")),
    ]


def _session_cookie(user, base_url) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


def _problems(page, label) -> list[str]:
    found = []
    box = page.evaluate(OVERFLOW)
    if box["scroll"] > box["inner"] + 1:
        found.append(f"{label}: page overflows ({box['scroll']} > {box['inner']} px), "
                     f"wide: {box['wide']}")
    # evaluated through the DevTools protocol: the page's Content-Security-Policy refuses an
    # inline <script>, which add_script_tag would insert
    page.evaluate(AXE.read_text(encoding="utf-8"))
    for violation in page.evaluate(AXE_RUN):
        if violation["impact"] in BLOCKING:
            found.append(f"{label}: axe {violation['id']} ({violation['impact']}): "
                         f"{violation['help']} {violation['targets']}")
    if found:
        screenshot(page, f"pages-{label.replace(' ', '-')}")
    return found


def test_every_main_page_fits_a_phone_and_a_desk_and_passes_axe(live_server):
    team, checked = _world()
    people = team.people()
    cookies = {role: _session_cookie(people[role], live_server.url)
               for role in ("filler", "reviewer", "finance")}
    problems = []
    with browser_page() as page:
        current = None
        for role, name, path in _pages(team, checked):
            if role != current:
                page.context.clear_cookies()
                page.context.add_cookies([cookies[role]])
                current = role
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(f"{live_server.url}{path}")
                assert response.status == 200, (role, name, path, response.status)
                assert "/accounts/login/" not in page.url, (role, name)
                problems += _problems(page, f"{name} {size}")
    assert Notice.objects.filter(recipient=team.filler).exists()
    assert not problems, "\n".join(problems)
