"""A real browser (Debian's Chromium via Playwright) on the project page, on a 390×844 phone and
on a 1366×768 desk: a clerk types a value, the row shows the score and the reason it will need
before saving (from the server), saves, and the value is stored; the page never overflows
sideways; the checklist's links put the focus in the field; leaving with unsaved input asks
for confirmation. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest

from performance.models import IndicatorRecord
from tests.browser import browser_page, login, screenshot
from tests.entry_setup import PASSWORD, make_team, with_password

OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_a_clerk_enters_and_saves_a_value_seeing_the_reason_before_saving(live_server, width,
                                                                          height):
    team = make_team()  # three indicators of weight 30, target 100 人次
    team.filler.username = "tianbao"
    with_password(team.filler)
    team.filler.save(update_fields=["username"])
    first, second = team.indicators[0], team.indicators[1]
    project_url = f"{live_server.url}/projects/{team.project.pk}/?period={team.period.code}"
    phone = width < 768

    with browser_page(width=width, height=height) as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(project_url)
        assert page.evaluate(OVERFLOW), "the project page overflows sideways"
        card = page.locator(f"#indicator-{first.pk}")
        assert page.locator(f"#indicator-{first.pk} .card-levels").is_visible() == phone
        if phone:  # a card: the save bar does not cover the page
            assert page.eval_on_selector(".sticky-actions",
                                         "e => getComputedStyle(e).position") == "static"
            assert not page.locator(f"#indicator-{first.pk} td.level").first.is_visible()

        # the checklist (shown before saving) takes the focus to the field
        field = f"id_i{first.pk}-actual_value"
        page.click(f"#submit-problems a[href='#{field}']")
        assert page.evaluate("document.activeElement.id") == field

        # typed, not saved: the card shows the score and the reason it will need
        page.keyboard.type("80")
        preview = page.locator(f"#preview-i{first.pk}")
        preview.get_by_text("未达到指标值，需填写未完成原因").wait_for()
        assert "24.00" in preview.inner_text() and "尚未保存" in preview.inner_text()
        assert not IndicatorRecord.objects.exists()
        assert page.evaluate(OVERFLOW)
        screenshot(page, f"entry-preview-{width}", full_page=False)
        preview.get_by_role("link", name="去填写").click()
        explanation = f"id_i{first.pk}-explanation"
        assert page.evaluate("document.activeElement.id") == explanation
        page.keyboard.type("经费延迟到位，培训推迟")
        preview.get_by_text("已填写原因").wait_for()
        card.scroll_into_view_if_needed()

        with page.expect_navigation():
            page.click("button[value=save]")
        assert "已保存草稿" in page.inner_text("main")
        record = IndicatorRecord.objects.get(indicator=first, period=team.period)
        assert record.actual_value == Decimal(80) and record.explanation.startswith("经费延迟")
        assert page.evaluate(OVERFLOW)
        screenshot(page, f"entry-saved-{width}")

        # unsaved input: leaving asks first (and staying keeps the input)
        dialogs = []

        def stay(dialog):
            dialogs.append(dialog.type)
            dialog.dismiss()

        page.on("dialog", stay)
        page.click(f"#id_i{second.pk}-actual_value")
        page.keyboard.type("95")
        page.click(".breadcrumb a")
        page.wait_for_timeout(300)
        assert dialogs == ["beforeunload"]
        assert page.url == project_url
        assert page.input_value(f"#id_i{second.pk}-actual_value") == "95"

        # saving is no leaving: no question asked
        with page.expect_navigation():
            page.click("button[value=save]")
        assert dialogs == ["beforeunload"]
        with page.expect_navigation():
            page.click(".breadcrumb a")  # nothing unsaved now: leaves without a question
        assert dialogs == ["beforeunload"] and page.url.startswith(f"{live_server.url}/?period=")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_monitoring_card_with_a_graded_indicator_fits_a_phone(live_server):
    team = make_team(monitoring=True, qualitative=True)
    team.filler.username = "tianbao"
    with_password(team.filler)
    team.filler.save(update_fields=["username"])
    graded = team.indicators[-1]  # 定性, target 优
    with browser_page(width=390, height=844) as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(f"{live_server.url}/projects/{team.project.pk}/?period={team.period.code}")
        assert page.evaluate(OVERFLOW)
        page.select_option(f"#id_i{graded.pk}-actual_grade", "良")
        preview = page.locator(f"#preview-i{graded.pk}")
        preview.get_by_text("未达到指标值").wait_for()
        page.fill("#id_p-spent", "40")
        page.locator("#preview-p").get_by_text("预算执行率低于").wait_for()
        assert "40.00%" in page.inner_text("#preview-p")
        assert page.evaluate(OVERFLOW)
        screenshot(page, "entry-monitoring-390")
