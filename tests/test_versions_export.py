"""Exports of changing targets: a project's versions as a workbook (and its download), and 表13
as approved at the start of the year (年初) or as in force now (调整后)."""

import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from budget.models import Project, Role
from performance.excel.export import targets_workbook
from performance.excel.sheets import to_bytes
from performance.excel.targets_import import import_targets
from performance.excel.versions_export import versions_workbook
from performance.models import Indicator, IndicatorRecord, ReportingPeriod, TargetVersion
from performance.services import adjustment_chain, adjustments
from tests.adjust_setup import approve_all, change_targets
from tests.entry_setup import UNUSABLE, make_team
from tests.excel_files import csv_bytes
from tests.factories import MembershipFactory, UserFactory
from tests.test_import_targets import one_row, snapshot

pytestmark = pytest.mark.django_db
NETWORK = "社会保险信息网络建设维护费"

def opened(data):
    return load_workbook(io.BytesIO(data if isinstance(data, bytes) else to_bytes(data)))


def rows_of(ws, first_row=1):
    return [list(r) for r in ws.iter_rows(min_row=first_row, values_only=True)]


def table(ws):
    """The indicator lines of a version sheet: the rows below its header (序号 …)."""
    header = next(c.row for c in ws["A"] if c.value == "序号")
    return rows_of(ws, header + 1)


def adjusted_team():
    """make_team's project: version 2 approved (first indicator 100 → 50, budget 100 → 120),
    and a version 3 proposed and still a draft."""
    team = make_team()
    first = team.indicators[0]
    version = change_targets(team.project, team.filler, {first.id: {"target_value": Decimal(50)}},
                             adjusted_amount=Decimal("120.00"), budget_reason="追加资金")
    approve_all(version, team.reviewer, team.finance)
    team.project.refresh_from_db()
    change_targets(team.project, team.filler, {team.indicators[1].id: None,
                                               team.indicators[2].id: {"weight": Decimal(60)}},
                   reason="项目范围缩小")
    return team


# ---------------------------------------------------------------- the versions workbook


def test_versions_workbook_has_a_list_a_sheet_per_version_and_the_steps():
    team = adjusted_team()
    book = opened(versions_workbook(team.project))
    assert book.sheetnames == ["版本一览", "第1版", "第2版", "第3版", "审核记录"]
    listed = rows_of(book["版本一览"], 3)
    assert [r[:3] + r[4:6] for r in listed] == [
        [1, "年初批复", "已批复", 100, None],
        [2, "绩效目标调整", "已批复（现行）", 100, 120],
        [3, "绩效目标调整", "草稿", 100, 120]]
    assert [f"{r[3]:%Y-%m-%d}" for r in listed] == ["2025-01-01", "2025-09-01", "2025-09-01"]
    assert listed[1][6] == "追加资金" and listed[2][7] == "项目范围缩小"
    assert listed[2][9] == 2  # based on version 2


def test_each_version_sheet_shows_the_indicators_with_their_change_and_reason():
    team = adjusted_team()
    book = opened(versions_workbook(team.project))
    second = book["第2版"]
    assert second["A1"].value.endswith("第2版（绩效目标调整）")
    assert "调整后预算数：120 万元" in second["A2"].value
    header = [c.value for c in second[6]]
    assert header[9:] == ["调整情况", "调整内容（原 → 新）", "调整理由"]
    lines = table(second)
    assert lines[0][3] == team.indicators[0].name and lines[0][5] == 50
    assert lines[0][9:] == ["调整", "指标值：100 → 50", "按调整后的工作任务"]
    assert [line[9] for line in lines[1:]] == ["未调整", "未调整"]
    changes = {line[3]: (line[9], line[10]) for line in table(book["第3版"])}
    assert changes[team.indicators[1].name] == ("删除", None)
    assert changes[team.indicators[2].name] == ("调整", "权重：30 → 60")
    assert [line[5] for line in table(book["第1版"])] == [100, 100, 100]


def test_the_steps_sheet_lists_who_did_what_at_each_level():
    team = adjusted_team()
    steps = rows_of(opened(versions_workbook(team.project))["审核记录"], 3)
    assert [(s[0], s[1], s[2]) for s in steps] == [
        (2, "提交", None), (2, "审核通过", "单位审核"), (2, "审核通过", "财政审核")]
    assert steps[0][4] == "待单位审核" and steps[-1][4] == "已批复"


def test_a_project_never_adjusted_shows_its_targets_as_version_one():
    team = make_team()
    book = opened(versions_workbook(team.project))
    assert book.sheetnames == ["版本一览", "第1版", "审核记录"]
    assert rows_of(book["版本一览"], 3)[0][:3] == [1, "年初批复", "已批复（现行）"]
    assert len(table(book["第1版"])) == 3
    assert rows_of(book["审核记录"], 3) == [["尚无调整申请的审核记录。", *[None] * 8]]


def test_formula_like_text_from_the_data_stays_text():
    team = make_team()
    evil = "=HYPERLINK(\"http://x\",\"点\")"
    version = change_targets(team.project, team.filler,
                             {team.indicators[0].id: {"target_value": Decimal(50)}}, reason=evil)
    version.rows.filter(indicator=team.indicators[0]).update(reason="+1+1", name="-减少纸张")
    book = opened(versions_workbook(team.project))
    reason = book["版本一览"]["H4"]
    assert reason.value == evil and reason.data_type == "s"
    sheet = book["第2版"]
    row = next(c.row for c in sheet["A"] if c.value == "序号") + 1
    assert (sheet[f"L{row}"].value, sheet[f"L{row}"].data_type) == ("+1+1", "s")
    assert (sheet[f"D{row}"].value, sheet[f"D{row}"].data_type) == ("-减少纸张", "s")


# ---------------------------------------------------------------- the download


@pytest.mark.parametrize("who, status", [("filler", 200), ("reviewer", 200), ("finance", 200),
                                         ("outsider", 404)])
def test_the_download_for_filler_reviewer_finance_and_outsider(client, who, status):
    team = adjusted_team()
    client.force_login(team.people()[who])
    response = client.get(f"/adjustments/projects/{team.project.pk}/versions.xlsx")
    assert response.status_code == status
    if status == 200:
        assert unquote(response["Content-Disposition"]).endswith(
            f"{team.project.name}-绩效目标版本.xlsx")
        assert opened(response.content).sheetnames[0] == "版本一览"


def test_the_download_of_an_unknown_project_is_404_and_needs_a_login(client):
    team = make_team()
    assert client.get(f"/adjustments/projects/{team.project.pk}/versions.xlsx").status_code == 302
    client.force_login(team.filler)
    assert client.get("/adjustments/projects/999999/versions.xlsx").status_code == 404


def test_the_download_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    team = adjusted_team()
    client.force_login(team.filler)
    with django_assert_max_num_queries(16):  # session, user, roles, project; 3 + 2 a version
        response = client.get(f"/adjustments/projects/{team.project.pk}/versions.xlsx")
    assert response.status_code == 200


# ---------------------------------------------------------------- 表13 年初 / 调整后


def seeded_people(unit):
    people = {}
    for role in (Role.FILLER, Role.UNIT_REVIEWER, Role.FINANCE_REVIEWER):
        people[role] = UserFactory(username=role.value, password=UNUSABLE)
        MembershipFactory(user=people[role], role=role,
                          unit=None if role == Role.FINANCE_REVIEWER else unit)
    return people


def adjust_network(unit):
    """版本 2 of the network project approved: 2 printers → 3, 购置办公软件数量 removed (its
    weight to the printers), budget 7 → 8."""
    people = seeded_people(unit)
    project = Project.objects.get(name=NETWORK)
    printer = Indicator.objects.get(name="购置多功能打印机数量")
    software = Indicator.objects.get(name="购置办公软件数量")
    version = change_targets(project, people[Role.FILLER],
                             {printer.id: {"target_value": Decimal(3), "weight": Decimal(8)},
                              software.id: None},
                             adjusted_amount=Decimal(8), budget_reason="追加采购")
    approve_all(version, people[Role.UNIT_REVIEWER], people[Role.FINANCE_REVIEWER])
    return people


def cells(workbook):
    return [list(r) for r in opened(workbook).active.iter_rows(values_only=True)]


def test_initial_export_is_the_table_approved_at_the_start_of_the_year(seeded):
    before = cells(targets_workbook(2025))
    adjust_network(seeded.unit)
    assert cells(targets_workbook(2025, which="initial")) == before
    adjusted = cells(targets_workbook(2025))
    assert adjusted == cells(targets_workbook(2025, which="adjusted"))
    assert adjusted[4][2] == 8 and adjusted[4][6:9] == ["购置多功能打印机数量", "≥", 3]
    assert "购置办公软件数量" not in {row[6] for row in adjusted}
    assert len(adjusted) == len(before) - 1


def test_the_adjusted_export_reads_back_as_no_change(seeded):
    adjust_network(seeded.unit)
    IndicatorRecord.objects.create(indicator=Indicator.objects.get(name="购置多功能打印机数量"),
                                   period=ReportingPeriod.objects.get(code="2025-final"),
                                   actual_value=Decimal(3))
    before = snapshot()
    outcome = import_targets(to_bytes(targets_workbook(2025)), 2025, filename="调整后.xlsx")
    assert not outcome.result.changed and snapshot() == before
    assert TargetVersion.objects.count() == 2


def test_a_project_added_mid_year_is_in_the_adjusted_export_only(seeded):
    people = seeded_people(seeded.unit)
    ReportingPeriod.objects.get(code="2025-final").project_records.create(
        project=Project.objects.get(name=NETWORK), has_values=True)
    rows = one_row(权重="50") + one_row(一级指标="效益指标", 二级指标="社会效益指标",
                                    三级指标="培训合格率", 权重="20")[1:] + \
        one_row(一级指标="满意度指标", 二级指标="服务对象满意度指标", 三级指标="学员满意度",
                权重="20")[1:]
    import_targets(csv_bytes(rows), 2025)
    proposal = TargetVersion.objects.get(project__name="测试项目")
    data = adjustments.draft_from(proposal)
    for draft in data.indicators:
        draft.reason = "年中新增培训任务"
    proposal = adjustments.save_proposal(proposal.project, people[Role.FILLER], data)
    proposal = adjustment_chain.submit(proposal, people[Role.FILLER])
    for reviewer in (people[Role.UNIT_REVIEWER], people[Role.FINANCE_REVIEWER]):
        proposal = adjustment_chain.approve(proposal, reviewer)
    assert "测试项目" in {row[1] for row in cells(targets_workbook(2025))}
    assert "测试项目" not in {row[1] for row in cells(targets_workbook(2025, which="initial"))}


def test_export_command_chooses_the_version(seeded, tmp_path):
    adjust_network(seeded.unit)
    for which, printers in (("initial", 2), ("adjusted", 3)):
        output = tmp_path / f"{which}.xlsx"
        call_command("export_targets", "--year", "2025", "--version", which, "-o", str(output))
        assert load_workbook(output).active["I5"].value == printers
    with pytest.raises(ValueError):
        targets_workbook(2025, which="latest")
