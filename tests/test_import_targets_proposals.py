"""import_targets over targets in use: an adjustment proposal instead of an overwrite, --replace
refused, a project new in a year underway as a 年中追加 proposal (docs/adjustments.md)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from budget.models import Project, Role, Unit
from performance.chain import VersionStatus
from performance.excel.errors import ExcelImportError
from performance.excel.targets_import import import_targets
from performance.models import (
    ImportJob,
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    ReportingPeriod,
    RowChange,
    TargetVersion,
    VersionKind,
)
from performance.services import adjustment_chain, adjustments
from performance.workflow import Channel
from tests.adjust_setup import approve_all, change_targets
from tests.entry_setup import UNUSABLE
from tests.excel_files import TABLE13_XLSX, csv_bytes, load, save
from tests.factories import MembershipFactory, UserFactory
from tests.test_import_targets import one_row, snapshot

pytestmark = pytest.mark.django_db
NETWORK = "社会保险信息网络建设维护费"  # rows 5–20 of the seed workbook, weights adding up to 90


def enter_value(name="购置多功能打印机数量", value=Decimal(1)):
    """A value entered for the indicator: its project's targets are in use."""
    period = ReportingPeriod.objects.get(code="2025-final")
    return IndicatorRecord.objects.create(indicator=Indicator.objects.get(name=name),
                                          period=period, actual_value=value)


def workbook_with(**cells) -> bytes:
    workbook = load(TABLE13_XLSX.read_bytes())
    for ref, value in cells.items():
        workbook.active[ref] = value
    return save(workbook)


def person(role, unit, name):
    user = UserFactory(username=name, password=UNUSABLE)
    MembershipFactory(user=user, unit=None if role == Role.FINANCE_REVIEWER else unit, role=role)
    return user


def network():
    return Project.objects.get(name=NETWORK)


def test_import_over_a_project_with_values_creates_a_proposal_and_keeps_its_targets(seeded):
    enter_value()
    before = snapshot()
    outcome = import_targets(workbook_with(I5=3, C5=8), 2025, filename="改.xlsx")
    assert snapshot() == before  # indicators, budget and goal as they were
    proposal = TargetVersion.objects.get(project=network(), number=2)
    assert proposal.status == VersionStatus.DRAFT and proposal.kind == VersionKind.ADJUSTMENT
    assert proposal.reason == "按导入的表13（改.xlsx）调整" and proposal.channel == Channel.COMMAND
    assert proposal.adjusted_amount == 8 and proposal.budget_reason
    changed = proposal.rows.get(change=RowChange.CHANGED)
    assert (changed.name, changed.target_value, changed.reason) == ("购置多功能打印机数量", 3, "")
    assert proposal.rows.exclude(change=RowChange.UNCHANGED).count() == 1
    assert [str(n) for n in outcome.result.notices] == [
        f"342601 {NETWORK}：已生成调整申请（第2版草稿），需填写调整理由后提交审核"]
    assert outcome.result.changed and "生成调整申请 1 份" in outcome.summary()
    # the other six projects have nothing entered: written as before (here: unchanged)
    assert outcome.result.indicators_unchanged == 90 - 16


def test_indicators_missing_from_the_file_are_proposed_removed_and_new_names_added(seeded):
    enter_value()
    workbook = load(TABLE13_XLSX.read_bytes())
    workbook.active["K5"] = 8  # takes the weight of the removed row
    workbook.active["G7"] = "购置扫描仪数量"  # 购置双目摄像头数量 renamed: removed + added
    workbook.active.delete_rows(6)  # 购置办公软件数量
    import_targets(save(workbook), 2025, filename="改.xlsx")
    rows = {r.name: r.change for r in TargetVersion.objects.get(number=2).rows.all()}
    assert rows["购置办公软件数量"] == rows["购置双目摄像头数量"] == RowChange.REMOVED
    assert rows["购置扫描仪数量"] == RowChange.ADDED
    assert rows["购置多功能打印机数量"] == RowChange.CHANGED
    assert Indicator.objects.filter(name="购置办公软件数量").exists()


def test_an_identical_import_over_targets_in_use_changes_nothing(seeded):
    enter_value()
    before = snapshot()
    outcome = import_targets(TABLE13_XLSX, 2025)
    assert not outcome.result.changed and snapshot() == before
    assert not TargetVersion.objects.exists()
    assert [n.text for n in outcome.result.notices] == ["与现行目标一致，未改动"]


def test_a_second_import_replaces_the_draft_and_keeps_the_reasons_already_written(seeded):
    enter_value()
    import_targets(workbook_with(I5=3), 2025, filename="一.xlsx")
    proposal = TargetVersion.objects.get(number=2)
    proposal.rows.filter(name="购置多功能打印机数量").update(reason="新增窗口")
    outcome = import_targets(workbook_with(I5=3, I6=25), 2025, filename="二.xlsx")
    assert TargetVersion.objects.count() == 2  # version 1 kept, the one proposal replaced
    reasons = dict(proposal.rows.exclude(change=RowChange.UNCHANGED).values_list("name", "reason"))
    assert reasons == {"购置多功能打印机数量": "新增窗口", "购置办公软件数量": ""}
    assert "第2版草稿" in outcome.result.notices[0].text
    again = import_targets(workbook_with(I5=3, I6=25), 2025, filename="二.xlsx")
    assert again.result.notices[0].text == "与已有的调整申请（第2版草稿）一致，未改动"


def test_a_proposal_pending_review_is_reported_and_left_alone(seeded):
    enter_value()
    filler = person(Role.FILLER, seeded.unit, "filler")
    import_targets(workbook_with(I5=3), 2025)
    proposal = TargetVersion.objects.get(number=2)
    data = adjustments.draft_from(proposal)
    for draft in data.indicators:
        draft.reason = "业务量增加"
    adjustments.save_proposal(network(), filler, data)
    adjustment_chain.submit(proposal, filler)
    before = list(proposal.rows.values_list("name", "target_value"))
    outcome = import_targets(workbook_with(I5=5), 2025)
    assert "待单位审核" in outcome.result.notices[0].text and "未改动" in outcome.result.notices[0].text
    assert list(proposal.rows.values_list("name", "target_value")) == before
    assert not outcome.result.changed


def test_the_proposal_is_completed_by_the_filler_and_approved_through_the_chain(seeded):
    enter_value()
    filler = person(Role.FILLER, seeded.unit, "filler")
    reviewer = person(Role.UNIT_REVIEWER, seeded.unit, "reviewer")
    finance = person(Role.FINANCE_REVIEWER, seeded.unit, "finance")
    import_targets(workbook_with(I5=3), 2025, filename="改.xlsx")
    proposal = TargetVersion.objects.get(number=2)
    with pytest.raises(adjustments.AdjustmentRefused, match="请填写调整理由"):
        adjustment_chain.submit(proposal, filler)
    data = adjustments.draft_from(proposal)
    for draft in data.indicators:
        draft.reason = "新增服务窗口"
    proposal = adjustment_chain.submit(adjustments.save_proposal(network(), filler, data), filler)
    for person_ in (reviewer, finance):
        proposal = adjustment_chain.approve(proposal, person_)
    assert proposal.status == VersionStatus.APPROVED
    assert Indicator.objects.get(name="购置多功能打印机数量").target_value == 3


def test_an_approved_adjustment_puts_the_project_in_use_without_values(seeded):
    filler = person(Role.FILLER, seeded.unit, "filler")
    reviewer = person(Role.UNIT_REVIEWER, seeded.unit, "reviewer")
    finance = person(Role.FINANCE_REVIEWER, seeded.unit, "finance")
    printer = Indicator.objects.get(name="购置多功能打印机数量")
    approve_all(change_targets(network(), filler, {printer.id: {"target_value": Decimal(3)}}),
                reviewer, finance)
    outcome = import_targets(TABLE13_XLSX, 2025)  # the 年初 file: 2 printers again
    printer.refresh_from_db()
    assert printer.target_value == 3
    proposal = TargetVersion.objects.get(number=3)
    assert proposal.rows.get(name="购置多功能打印机数量").target_value == 2
    assert outcome.result.proposals == 1


def test_replace_refuses_projects_in_use_and_writes_nothing(seeded):
    enter_value()
    before = snapshot()
    # a new unit (written first, were anything written) and a row less
    workbook = load(TABLE13_XLSX.read_bytes())
    workbook.active["A21"] = "999999-新单位"
    workbook.active["G6"] = "购置正版软件数量"
    with pytest.raises(ExcelImportError) as info:
        import_targets(save(workbook), 2025, replace=True)
    assert info.value.messages() == [
        f"第5行 [项目名称] 项目“{NETWORK}”已有填报数据或已批复调整，不能整体替换；请通过“目标调整”"
        "提出调整申请，或不带 --replace 导入以生成调整申请"]
    assert snapshot() == before and not Unit.objects.filter(code="999999").exists()
    assert not TargetVersion.objects.exists()


def test_replace_command_refuses_with_the_message_and_exits_1(seeded, tmp_path, capsys):
    enter_value()
    path = tmp_path / "t.xlsx"
    path.write_bytes(TABLE13_XLSX.read_bytes())
    with pytest.raises(CommandError) as info:
        call_command("import_targets", str(path), "--year", "2025", "--replace")
    assert info.value.returncode == 1
    assert "不能整体替换" in capsys.readouterr().err


def test_a_project_without_values_is_overwritten_as_before(seeded):
    enter_value()  # in the network project only
    outcome = import_targets(workbook_with(I5=3, I21=300), 2025)  # 云MAS短信条数: another project
    assert Indicator.objects.get(name="云MAS短信条数").target_value == 300
    assert Indicator.objects.get(name="购置多功能打印机数量").target_value == 2
    assert outcome.result.indicators_updated == 1 and outcome.result.proposals == 1


def test_a_new_project_mid_year_becomes_a_midyear_proposal(seeded):
    ProjectRecord.objects.create(project=network(), has_values=True,
                                 period=ReportingPeriod.objects.get(code="2025-final"))
    outcome = import_targets(csv_bytes(one_row()), 2025, filename="追加.csv")
    project = Project.objects.get(name="测试项目")
    assert not Indicator.objects.filter(project=project).exists()
    proposal = TargetVersion.objects.get(project=project)
    assert (proposal.kind, proposal.status, proposal.number) == (
        VersionKind.MIDYEAR, VersionStatus.DRAFT, 1)
    assert list(proposal.rows.values_list("name", "change")) == [("培训人数", RowChange.ADDED)]
    assert proposal.goal == "目标" and proposal.reason == "按导入的表13（追加.csv）年中追加"
    assert outcome.result.projects_created == 1 and "年中追加" in outcome.result.notices[0].text


def test_a_new_project_in_a_year_not_underway_is_created_directly(seeded):
    ProjectRecord.objects.create(project=network(), has_values=False,
                                 period=ReportingPeriod.objects.get(code="2025-final"))
    outcome = import_targets(csv_bytes(one_row()), 2025)
    assert Indicator.objects.filter(project__name="测试项目").count() == 1
    assert not TargetVersion.objects.exists() and not outcome.result.notices


def test_a_proposal_its_checks_refuse_fails_the_import_with_the_row(seeded):
    enter_value()
    before = snapshot()
    with pytest.raises(ExcelImportError) as info:
        import_targets(workbook_with(K5=5, I21=300), 2025)  # weights now add up to 91
    assert any(m.startswith("第5行 [调整申请]") and "权重合计 91" in m for m in info.value.messages())
    assert snapshot() == before and not TargetVersion.objects.exists()


def test_dry_run_reports_the_proposal_and_writes_nothing(seeded):
    enter_value()
    outcome = import_targets(workbook_with(I5=3), 2025, dry_run=True)
    assert outcome.result.notices[0].text.startswith("将生成调整申请")
    assert not TargetVersion.objects.exists()


def test_command_makes_the_proposal_as_the_user_given(seeded, tmp_path, capsys):
    enter_value()
    filler = person(Role.FILLER, seeded.unit, "tianzhang")
    path = tmp_path / "改.xlsx"
    path.write_bytes(workbook_with(I5=3))
    call_command("import_targets", str(path), "--year", "2025", "--user", "tianzhang")
    out = capsys.readouterr().out
    assert "已生成调整申请（第2版草稿），需填写调整理由后提交审核" in out
    proposal = TargetVersion.objects.get(number=2)
    assert proposal.created_by == filler and proposal.channel == Channel.COMMAND
    with pytest.raises(CommandError, match="nobody"):
        call_command("import_targets", str(path), "--year", "2025", "--user", "nobody")


def test_admin_import_makes_the_proposal_as_the_admin_and_lists_it(seeded, client, superuser):
    enter_value()
    client.force_login(superuser)
    upload = SimpleUploadedFile("改.xlsx", workbook_with(I5=3))
    client.post(reverse("admin:performance_indicator_import"), {"file": upload, "year": 2025})
    job = ImportJob.objects.get()
    assert any("第2版草稿" in note for note in job.notes) and not TargetVersion.objects.exists()
    client.post(reverse("admin:performance_importjob_confirm", args=[job.pk]))
    proposal = TargetVersion.objects.get(number=2)
    assert proposal.created_by == superuser and proposal.channel == Channel.ADMIN


def test_an_open_proposal_keeps_the_import_off_the_targets_until_it_is_withdrawn(seeded):
    filler = person(Role.FILLER, seeded.unit, "filler")
    printer = Indicator.objects.get(name="购置多功能打印机数量")
    draft = change_targets(network(), filler, {printer.id: {"target_value": Decimal(4)}})
    outcome = import_targets(workbook_with(I5=3), 2025)  # no values, but a proposal is open
    assert outcome.result.proposals == 1
    draft.refresh_from_db()
    assert draft.rows.get(name="购置多功能打印机数量").target_value == 3
    adjustment_chain.withdraw(draft, filler)
    outcome = import_targets(workbook_with(I5=3), 2025)  # nothing in use: written directly
    printer.refresh_from_db()
    assert printer.target_value == 3 and outcome.result.indicators_updated == 1
    # version 1, kept when the proposal was made, is what the import wrote: the next proposal
    # starts from it
    first = TargetVersion.objects.get(project=network(), number=1)
    assert first.rows.get(name="购置多功能打印机数量").target_value == 3
    nxt = change_targets(network(), filler, {printer.id: {"target_value": Decimal(5)}})
    assert adjustments.diff(nxt)[0].old.target_value == 3
