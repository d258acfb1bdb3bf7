"""The Content-Security-Policy (django-csp, config/settings.py): every page carries it, no
template has an inline script or an on… handler that it would block, and in Chromium the main
pages, the dashboards' charts and the admin (with its import-export pages) run without one
violation; the period select still submits itself and the evidence delete still asks first
(static/js/site.js).

    .venv/bin/python -m pytest -q -p no:randomly -m browser tests/test_csp.py
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from performance.models import Evidence
from performance.services.evidence import upload_evidence
from tests import evidence_files
from tests.browser import browser_page, screenshot
from tests.entry_setup import make_team
from tests.factories import PeriodFactory

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates"), *ROOT.glob("*/*/templates")]:
        if ".venv" not in folder.parts:
            yield from folder.rglob("*.html")


@pytest.mark.django_db
def test_every_page_carries_the_policy(superuser):
    team = make_team()
    pages = [
        (None, reverse("login")),
        (team.filler, reverse("entry:home")),
        (team.filler, f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"),
        (team.finance, f"{reverse('dashboard:overview')}?period={team.period.code}"),
        (team.finance, reverse("checks:batches")),
        (superuser, reverse("admin:index")),
        (superuser, reverse("admin:performance_indicator_changelist")),
        (superuser, reverse("admin:performance_indicator_export")),
        (team.filler, "/no-such-page/"),
    ]
    for user, url in pages:
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        directives = policy(response)
        assert directives["script-src"] == "script-src 'self'", url
        assert directives["default-src"] == "default-src 'self'", url
        assert directives["object-src"] == "object-src 'none'", url
        assert directives["frame-ancestors"] == "frame-ancestors 'none'", url
        assert directives["form-action"] == "form-action 'self'", url
        assert directives["base-uri"] == "base-uri 'self'", url
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_no_template_has_an_inline_script_or_handler():
    found = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER):
            found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def _cookie(user, base_url) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}


def _visit(page, url, violations, label):
    response = page.goto(url)
    assert response.status == 200, (label, response.status)
    assert "/login/" not in page.url, label
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # deferred scripts and fetches
    if violations:
        screenshot(page, f"csp-{label}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_main_pages_and_the_admin_run_without_a_policy_violation(live_server,
                                                                     django_user_model):
    team = make_team()
    later = PeriodFactory()
    upload_evidence(team.project, team.period, team.filler, [evidence_files.upload("a.pdf")])
    root = django_user_model.objects.create_superuser("root", "root@example.com", "unused-pw")
    base, period = live_server.url, team.period.code
    project_url = f"{reverse('entry:project', args=[team.project.pk])}?period={period}"
    pages = {
        "filler": [("home", reverse("entry:home")), ("project", project_url),
                   ("notices", reverse("notices:list"))],
        "finance": [("dashboard", f"{reverse('dashboard:overview')}?period={period}"),
                    ("dashboard-unit", f"{reverse('dashboard:unit', args=[team.unit.code])}"
                                       f"?period={period}"),
                    ("checks", reverse("checks:batches"))],
        "root": [("admin", reverse("admin:index")),
                 ("admin-indicators", reverse("admin:performance_indicator_changelist")),
                 ("admin-indicator", reverse("admin:performance_indicator_change",
                                             args=[team.indicators[0].pk])),
                 ("admin-export", reverse("admin:performance_indicator_export")),
                 ("admin-import", reverse("admin:performance_indicator_import")),
                 ("admin-records", reverse("admin:performance_indicatorrecord_changelist")),
                 ("admin-users", reverse("admin:auth_user_changelist"))],
    }
    people = {"filler": team.filler, "finance": team.finance, "root": root}
    violations, errors = [], []
    with browser_page() as page:
        page.on("console", lambda m: violations.append(f"{page.url}: {m.text}")
                if "Refused to" in m.text or "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        page.goto(f"{base}{reverse('login')}")
        for role, visits in pages.items():
            page.context.clear_cookies()
            page.context.add_cookies([_cookie(people[role], base)])
            for label, path in visits:
                _visit(page, f"{base}{path}", violations, label)
                if label == "admin-export":  # "Select all" (static/js/admin_export.js)
                    page.uncheck("input.select-toggle")
                    assert not page.is_checked(".selectable-field-export-row input[type=checkbox]")
                if label.startswith("dashboard"):
                    page.wait_for_selector('[data-chart="execution"][data-rendered="true"] svg')

        # the period select submits itself (data-autosubmit), with no inline handler
        page.context.clear_cookies()
        page.context.add_cookies([_cookie(team.filler, base)])
        _visit(page, f"{base}{reverse('entry:home')}", violations, "home-again")
        with page.expect_navigation():
            page.select_option("#period-select", later.code)
        assert f"period={later.code}" in page.url

        # the evidence delete asks first (data-confirm): dismissed, nothing is deleted
        _visit(page, f"{base}{project_url}", violations, "project-again")
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        page.click("form.evidence-delete button[type=submit]")
        page.wait_for_timeout(300)
        assert asked == ["确定删除该文件？"]
        assert Evidence.objects.filter(project=team.project).count() == 1
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.click("form.evidence-delete button[type=submit]")
        assert Evidence.objects.filter(project=team.project).count() == 0
    assert not violations, "\n".join(violations)
    assert not errors, "\n".join(errors)
