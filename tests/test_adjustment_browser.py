"""A real browser (Debian's Chromium via Playwright) goes through a target adjustment: a filler
lowers a target on the 调整申请 form and submits, the unit reviewer approves from the queue,
(the 主管部门 approves when the tier is on,) finance approves with the date it applies from, and
the project page of the self-evaluation period scores against 第2版 — the score the scoring
service gives. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest

from performance.chain import VersionStatus
from performance.models import Indicator, TargetVersion
from performance.services.scoring import score_project_period
from tests.adjust_setup import department_reviewer
from tests.browser import browser_page, login, logout, screenshot
from tests.entry_setup import PASSWORD, make_team, with_password
from tests.factories import IndicatorRecordFactory


def named(user, username):
    user.username = username
    user.save(update_fields=["username"])
    return with_password(user)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("tier", [False, True], ids=["two-levels", "with-department"])
def test_an_adjustment_proposed_and_approved_in_the_browser_scores_the_project(
        live_server, settings, tier):
    settings.DEPARTMENT_TIER = tier
    team = make_team()
    first = team.indicators[0]
    for indicator in team.indicators:  # 50 done of a target of 100: half the points
        IndicatorRecordFactory(indicator=indicator, period=team.period,
                               actual_value=Decimal(50 if indicator == first else 100))
    named(team.filler, "tianbao")
    named(team.reviewer, "shenhe")
    named(team.finance, "caizheng")
    reviewers = [("shenhe", "审核通过")]
    if tier:
        named(department_reviewer(team.unit), "zhuguan")
        reviewers.append(("zhuguan", "审核通过"))
    reviewers.append(("caizheng", "审核通过并批复"))
    project_url = f"{live_server.url}/projects/{team.project.pk}/?period={team.period.code}"
    before = score_project_period(team.project, team.period).score.total

    with browser_page() as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(project_url)
        assert "第1版" in page.inner_text("#score-version")
        with page.expect_navigation():
            page.click("#propose-link")
        page.fill("#id_t0-target_value", "50")
        page.fill("#id_t0-reason", "服务对象减少，按实际需求调整")
        page.fill("#id_reason", "年中业务量下降")
        page.fill("#id_effective_from", "2025-09-01")
        screenshot(page, "adjustment-form")
        with page.expect_navigation():
            page.click("button[value=submit]")
        assert "待单位审核" in page.inner_text("#version-status"), page.inner_text("main")[:500]
        assert "100 → 50" in page.inner_text("#diff")
        screenshot(page, "adjustment-submitted")
        logout(page)

        for username, button in reviewers:
            login(page, live_server.url, username, PASSWORD)
            page.goto(f"{live_server.url}/adjustments/")
            with page.expect_navigation():
                page.click(f"#queue-table tr:has-text('{team.project.name}') a:has-text('查看')")
            if button == "审核通过并批复":
                page.fill("#approve-effective-from", "2025-09-01")
            with page.expect_navigation():
                page.click(f"#approve-form button:has-text('{button}')")
            assert "已审核通过" in page.inner_text("main") or "已批复" in page.inner_text("main")
            logout(page)

        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(project_url)
        assert "第2版" in page.inner_text("#score-version")
        expected = score_project_period(team.project, team.period)
        assert expected.version.number == 2
        assert page.inner_text("#score-total").startswith(f"{expected.score.total:.2f}")
        assert "第2版" in page.inner_text("#target-versions")
        screenshot(page, f"adjustment-approved-{'tier' if tier else 'plain'}")

    version = TargetVersion.objects.get(project=team.project, number=2)
    assert version.status == VersionStatus.APPROVED
    assert [s.level for s in version.steps.filter(action="approve")] == (
        ["unit", "department", "finance"] if tier else ["unit", "finance"])
    assert Indicator.objects.get(pk=first.pk).target_value == Decimal(50)
    assert expected.score.total > before
