"""A real browser (Debian's Chromium via Playwright, 1366×768) goes through a review round with
queues and notices: a filler submits, the unit reviewer finds the project by the header's
待填报审核 count and the filtered list, returns it with a reason, and the filler finds the
notice by the header badge, opens it and follows its link to the project page of that period.
Screenshots go to test-artifacts/."""

import pytest

from performance import tasks as celery_tasks
from performance.models import Notice, ProjectRecord, WorkflowStatus
from tests.browser import browser_page, login, logout, screenshot
from tests.entry_setup import PASSWORD, make_team, with_password

REASON = "第一个指标的完成值与台账不符，请核对后重新提交"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_reviewer_finds_the_submitted_project_and_the_filler_the_return_notice(
        live_server, monkeypatch):
    # Celery runs the notice's task at once, as a worker would (no worker in the test)
    monkeypatch.setattr(celery_tasks, "send_at_once",
                        lambda task, *args, **options: task(*args))
    team = make_team()
    filler, reviewer = with_password(team.filler), with_password(team.reviewer)
    project_url = f"{live_server.url}/projects/{team.project.pk}/?period={team.period.code}"

    with browser_page(width=1366, height=768) as page:
        login(page, live_server.url, filler.username, PASSWORD)
        page.goto(project_url)
        for indicator in team.indicators:
            page.fill(f"[name=i{indicator.id}-actual_value]", "100")
        page.fill("[name=p-spent]", "100")
        with page.expect_navigation():
            page.click("button[value=submit]")
        assert "已提交" in page.inner_text("#status-badge"), page.inner_text("main")[:500]
        logout(page)

        login(page, live_server.url, reviewer.username, PASSWORD)
        header = page.locator("#queue-link")
        assert header.is_visible() and "待填报审核" in header.inner_text()
        assert header.locator(".badge").inner_text() == "1"
        assert page.locator("#unit-queue .badge").inner_text() == "1"
        screenshot(page, "queue-reviewer-home", full_page=False)
        with page.expect_navigation():
            header.click()
        assert "status=submitted" in page.url
        link = page.locator(f"td.name-cell a:has-text('{team.project.name}')")
        assert link.count() == 1
        with page.expect_navigation():
            link.click()
        page.fill("#review textarea[name=reason]", REASON)
        with page.expect_navigation():
            page.click("button:has-text('退回修改')")
        assert "已退回" in page.inner_text("#status-badge")
        assert page.locator("#queue-link").count() == 0  # nothing waits any more
        logout(page)

        login(page, live_server.url, filler.username, PASSWORD)
        badge = page.locator("header .notices-link .badge")
        assert badge.inner_text() == "1"
        with page.expect_navigation():
            page.click("header .notices-link")
        notice = Notice.objects.get(recipient=filler)
        with page.expect_navigation():
            page.click(f"a[href='/notices/{notice.pk}/']")
        assert "已退回修改" in page.inner_text("h1")
        assert REASON in page.inner_text("main")
        screenshot(page, "queue-filler-notice", full_page=False)
        with page.expect_navigation():
            page.click("#notice-link")
        assert page.url == project_url
        assert "已退回" in page.inner_text("#status-badge")
        assert page.locator("header .notices-link .badge").count() == 0  # read

    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    assert record.status == WorkflowStatus.RETURNED and record.return_reason == REASON
