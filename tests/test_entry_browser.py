"""A real browser (Debian's Chromium via Playwright) goes through the whole round: a filler
enters the values of a seed project and submits, the unit reviewer approves, the score shown is
the scoring service's. Screenshots of the home and project pages go to test-artifacts/."""

import pytest

from budget.models import Membership, Project, Role
from performance.domain import Operator
from performance.models import ProjectRecord, ReportingPeriod, WorkflowStatus, format_decimal
from performance.seed import load_seed
from performance.services.scoring import score_project_period
from performance.services.snapshot import refresh_snapshots
from tests.browser import browser_page, login, logout, screenshot
from tests.entry_setup import PASSWORD, with_password
from tests.factories import UserFactory

SEED_PROJECT = "社会保险信息网络建设维护费"


def person(username, name, unit, role):
    user = with_password(UserFactory(username=username, first_name=name))
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_filler_submits_a_seed_project_and_the_reviewer_approves_it(live_server):
    seed = load_seed()
    period = ReportingPeriod.objects.get(code="2025-final")
    refresh_snapshots(period)
    person("tianbao", "张填报", seed.unit, Role.FILLER)
    person("shenhe", "李审核", seed.unit, Role.UNIT_REVIEWER)
    project = Project.objects.get(unit=seed.unit, name=SEED_PROJECT)
    indicators = list(project.indicators.order_by("position", "id"))
    project_url = f"{live_server.url}/projects/{project.pk}/?period={period.code}"

    with browser_page() as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.select_option("#period-select", period.code)
        page.wait_for_selector(f"td.name-cell a:has-text('{SEED_PROJECT}')")
        screenshot(page, "home-filler")
        with page.expect_navigation():
            page.click(f"td.name-cell a:has-text('{SEED_PROJECT}')")
        assert page.url == project_url
        for indicator in indicators:  # every target met exactly
            if indicator.operator == Operator.QUALITATIVE:
                page.select_option(f"[name=i{indicator.id}-actual_grade]", indicator.target_grade)
            else:
                page.fill(f"[name=i{indicator.id}-actual_value]",
                          format_decimal(indicator.target_value))
        page.fill("[name=p-spent]", format_decimal(project.effective_budget))
        with page.expect_navigation():
            page.click("button[value=submit]")
        assert "已提交" in page.inner_text("#status-badge"), page.inner_text("main")[:500]
        screenshot(page, "project-submitted")
        logout(page)

        login(page, live_server.url, "shenhe", PASSWORD)
        page.goto(project_url)
        with page.expect_navigation():
            page.click("button:has-text('审核通过')")
        assert "已审核" in page.inner_text("#status-badge")
        expected = score_project_period(project, period).score
        assert page.inner_text("#score-total").startswith(f"{expected.total:.2f}")
        assert expected.grade.value in page.inner_text("#score-grade")
        assert "审核通过" in page.inner_text("#history")
        screenshot(page, "project-approved")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, "project-approved-mobile", full_page=False)

    record = ProjectRecord.objects.get(project=project, period=period)
    assert record.status == WorkflowStatus.APPROVED
    assert record.score_total == expected.total  # the snapshot was refreshed as well
