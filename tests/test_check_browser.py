"""A real browser (Debian's Chromium via Playwright) goes through 抽查复核 with evidence: the
filler attaches a PDF with a Chinese name to an indicator's value and submits; finance draws the
project on the draw page, opens its check, sees the unit's file, enters 复核 scores (one below
the weight, with its reason) and a conclusion and concludes; the unit then sees its self-score
and the 复核 side by side on the project page, with the difference worked out by hand.
Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest

from performance.models import CheckedProject, CheckStatus, Evidence
from performance.services.workflow import approve, submit
from tests.browser import browser_page, login, logout, screenshot
from tests.entry_setup import PASSWORD, make_team, with_password
from tests.factories import IndicatorRecordFactory, ProjectRecordFactory


def named(user, username):
    user.username = username
    user.save(update_fields=["username"])
    return with_password(user)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_evidence_uploaded_and_a_check_scored_in_the_browser(live_server, tmp_path):
    team = make_team()  # three indicators of weight 30, target 100
    for indicator in team.indicators:
        IndicatorRecordFactory(indicator=indicator, period=team.period, actual_value=Decimal(100))
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(100))
    named(team.filler, "tianbao")
    named(team.reviewer, "shenhe")
    named(team.finance, "caizheng")
    first, second = team.indicators[0], team.indicators[1]
    project_url = f"{live_server.url}/projects/{team.project.pk}/?period={team.period.code}"
    proof = tmp_path / "培训签到表.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

    with browser_page() as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(project_url)
        page.select_option("#evidence-target", str(first.pk))
        page.set_input_files("#evidence-files", str(proof))
        with page.expect_navigation():
            page.click("#evidence-upload button[type=submit]")
        assert "培训签到表.pdf" in page.inner_text(f"#evidence-i{first.pk}")
        screenshot(page, "evidence-uploaded")
        logout(page)
    stored = Evidence.objects.get()
    assert (stored.name, stored.indicator_id, stored.kind) == ("培训签到表.pdf", first.pk, "pdf")
    submit(team.project, team.period, team.filler)
    approve(team.project, team.period, team.reviewer)  # the self-evaluation is 已审核

    with browser_page() as page:
        login(page, live_server.url, "caizheng", PASSWORD)
        page.goto(f"{live_server.url}/checks/draw/")
        page.fill("#id_name", "第一批")
        page.fill("#id_amount_threshold", "50")
        page.fill("#id_seed", "20260301")
        with page.expect_navigation():
            page.click("#draw-form button[type=submit]")
        assert team.project.name in page.inner_text("main")
        checked = CheckedProject.objects.get(project=team.project)
        assert checked.batch.seed == "20260301" and checked.reason == "amount"
        page.goto(f"{live_server.url}/checks/project/{checked.pk}/")
        assert "培训签到表.pdf" in page.inner_text(f"#check-evidence-i{first.pk}")
        for indicator in team.indicators:
            page.fill(f"#id_i{indicator.pk}-score", "30")
        page.fill(f"#id_i{second.pk}-score", "24.5")
        page.fill(f"#id_i{second.pk}-deduction_reason", "抽查台账，实际完成 80 人次，与填报不符")
        page.fill("#id_conclusion", "自评基本属实，培训人次填报偏高")
        screenshot(page, "check-scores")
        with page.expect_navigation():
            page.click("button[value=conclude]")
        assert "已复核" in page.inner_text("main"), page.inner_text("main")[:600]
        logout(page)
    checked.refresh_from_db()
    assert checked.status == CheckStatus.DONE
    # self 10 + 3 × 30 = 100; 复核 10 + 30 + 24.5 + 30 = 94.5; 自评偏差 5.5
    assert (checked.self_total, checked.check_total) == (Decimal("100.00"), Decimal("94.50"))

    with browser_page() as page:
        login(page, live_server.url, "tianbao", PASSWORD)
        page.goto(project_url)
        panel = page.inner_text("#check-panel")
        assert "已复核" in panel and "自评基本属实" in panel
        row = page.inner_text(f"#check-table tr[data-indicator='{second.pk}']")
        assert "24.5" in row and "-5.5" in row.replace("−", "-")
        screenshot(page, "check-side-by-side")
