"""Exports: 表13 in its published layout, the 自评表/监控表 with scores, the fill-in template,
and the django-import-export resources; each reads back through the importers unchanged."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from openpyxl.cell import MergedCell

from performance.excel.actuals_import import import_actuals
from performance.excel.export import targets_workbook
from performance.excel.layouts import TABLE13_HEADERS
from performance.excel.report import report_workbook
from performance.excel.resources import IndicatorRecordResource, Table13Resource
from performance.excel.sheets import to_bytes
from performance.excel.targets_import import import_targets
from performance.models import (
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    ReportingPeriod,
)
from performance.services.scoring import score_period
from tests.excel_files import save
from tests.test_import_targets import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(seeded):
    return seeded.unit


def opened(workbook):
    return load_workbook(io.BytesIO(to_bytes(workbook)))


def columns_of(ws, header_row):
    return {cell.value: cell.column for cell in ws[header_row] if cell.value}


def test_targets_export_has_the_published_layout(seeded):
    ws = opened(targets_workbook(2025)).active
    assert ws.title == "表13"
    assert [ws["A1"].value, ws["A2"].value, ws["A3"].value] == [
        "表 13", "部门预算项目绩效目标表（2025 年度）", "金额单位：万元"]
    assert tuple(c.value for c in ws[4]) == TABLE13_HEADERS
    assert ws.max_row == 94
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A5:A20", "B5:B20", "C5:C20", "D5:D20", "A86:A94"} <= merged
    assert len(merged) == 1 + 7 * 4  # the title, and 4 project columns for each of 7 projects
    assert ws["C5"].value == 7 and ws["I5"].value == 2 and ws["K5"].value == 4


def test_export_then_import_changes_nothing(seeded):
    before = snapshot()
    outcome = import_targets(to_bytes(targets_workbook(2025)), 2025, filename="导出.xlsx")
    assert not outcome.result.changed and outcome.result.indicators_unchanged == 90
    assert snapshot() == before


def test_export_command_for_one_unit(seeded, tmp_path):
    path = tmp_path / "t.xlsx"
    call_command("export_targets", "--year", "2025", "--unit", "342601", "-o", str(path))
    assert not import_targets(path, 2025).result.changed
    with pytest.raises(CommandError, match="000000"):
        call_command("export_targets", "--year", "2025", "--unit", "000000", "-o", str(path))


def test_formula_like_text_is_exported_as_text_and_round_trips(seeded):
    Indicator.objects.filter(name="购置多功能打印机数量").update(name='=HYPERLINK("http://x","点")')
    Indicator.objects.filter(name="购置办公软件数量").update(name="-减少纸张")
    before = snapshot()
    data = to_bytes(targets_workbook(2025))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["G5"].data_type == "s" and ws["G5"].quotePrefix
    assert ws["G6"].value == "-减少纸张" and ws["G6"].data_type == "s"
    assert not import_targets(data, 2025).result.changed
    assert snapshot() == before


# ---------------------------------------------------------------- the 自评表 report


def test_report_shows_scores_from_the_scoring_service_and_totals(unit):
    period = ReportingPeriod.objects.get(code="2025-final")
    first = Indicator.objects.order_by("project_id", "position").first()
    IndicatorRecord.objects.create(indicator=first, period=period, actual_value=1,
                                   explanation="采购推迟")
    ProjectRecord.objects.create(project=first.project, period=period, spent=Decimal("3.50"))
    ws = opened(report_workbook(period, unit)).active
    cols = columns_of(ws, 3)
    results = {r.project_name: r for r in score_period(period, unit)}
    result = results[first.project.name]
    assert ws.cell(4, cols["全年实际完成值"]).value == 1  # a number cell, not text
    assert ws.cell(4, cols["得分"]).value == float(result.score.indicator_scores[0].score) == 2
    assert ws.cell(4, cols["未完成原因"]).value == "采购推迟"
    assert ws.cell(4, cols["预算执行率"]).value == 0.5
    assert ws.cell(4, cols["预算执行得分（10分）"]).value == 5
    assert ws.cell(4, cols["项目总分"]).value == float(result.score.total)
    last = ws.max_row
    assert ws.cell(last, 1).value == "合计"
    assert ws.cell(last, cols["预算数"]).value == pytest.approx(92.94)
    assert ws.cell(last, cols["预算执行数"]).value == 3.5


def test_report_shows_missing_values_as_missing_and_not_entered_projects_as_such(unit):
    period = ReportingPeriod.objects.get(code="2025-final")
    first = Indicator.objects.order_by("project_id", "position").first()
    IndicatorRecord.objects.create(indicator=first, period=period, actual_value=1)
    ws = opened(report_workbook(period, unit)).active
    cols = columns_of(ws, 3)
    starts = {ws.cell(row, cols["项目名称"]).value: row for row in range(4, ws.max_row)
              if ws.cell(row, cols["项目名称"]).value}
    row = starts[first.project.name]  # 1 indicator filled in, no money spent
    assert ws.cell(row, cols["得分"]).value == 2
    assert ws.cell(row + 1, cols["得分"]).value == "未填"  # not 0
    assert ws.cell(row, cols["预算执行得分（10分）"]).value == "未填"
    assert ws.cell(row, cols["项目总分"]).value == 2 and ws.cell(row, cols["评价等级"]).value == "差"
    empty = starts["乡村振兴经费"]  # nothing entered
    assert [ws.cell(empty, cols[h]).value for h in ("指标得分", "项目总分", "评价等级")] == [
        "未填报"] * 3
    assert ws.cell(empty, cols["得分"]).value == "未填"
    last = ws.max_row  # the average is of the projects with something entered
    assert ws.cell(last, cols["项目总分"]).value == 2
    assert ws.cell(last, cols["评价等级"]).value == "（项目总分为已填报项目的平均分）"


def test_the_template_has_no_scores_to_mark(unit):
    period = ReportingPeriod.objects.get(code="2025-final")
    ws = opened(report_workbook(period, unit, template=True)).active
    values = {cell.value for row in ws.iter_rows(min_row=4) for cell in row}
    assert "未填" not in values and "未填报" not in values


def test_export_report_command(unit, tmp_path):
    path = tmp_path / "r.xlsx"
    call_command("export_report", "--period", "2025-final", "--unit", "342601", "-o", str(path))
    assert load_workbook(path).active["A1"].value == "2025 年度项目支出绩效自评表"


# ---------------------------------------------------------------- the fill-in template


def fill(data: bytes, values: dict[str, object], rows=range(4, 8)) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.active
    cols = columns_of(ws, 3)
    for row in rows:
        for header, value in values.items():
            cell = ws.cell(row, cols[header])
            if not isinstance(cell, MergedCell):  # a user types into a merged cell's first row
                cell.value = value
    return save(workbook)


def test_template_locks_key_columns_and_offers_drop_downs(unit):
    period = ReportingPeriod.objects.get(code="2025-07")
    ws = opened(report_workbook(period, unit, template=True)).active
    cols = columns_of(ws, 3)
    assert ws.protection.sheet
    assert ws.cell(4, cols["三级指标"]).protection.locked
    assert ws.cell(4, cols["指标值"]).protection.locked
    for header in ("当前完成值", "全年预计完成值", "完成可能性", "偏差原因", "纠偏措施", "预算执行数"):
        assert not ws.cell(4, cols[header]).protection.locked, header
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert formulas == {'"优,良,中,差"', '"确定能,有可能,完全不可能"', '"经费,制度,人员,硬件条件,其他"'}
    likelihood = next(dv for dv in ws.data_validations.dataValidation if "确定能" in dv.formula1)
    assert f"{ws.cell(4, cols['完成可能性']).column_letter}4" in str(likelihood.sqref)


def test_a_filled_template_imports_and_round_trips(unit):
    period = ReportingPeriod.objects.get(code="2025-07")
    template = to_bytes(report_workbook(period, unit, template=True))
    filled = fill(template, {"当前完成值": "1", "全年预计完成值": 2, "完成可能性": "有可能",
                             "偏差原因": "经费、人员", "纠偏措施": "加快进度",
                             "偏差原因说明": "采购推迟", "预算执行数": 3.2})
    result = import_actuals(filled, period, units=[unit])
    assert result.records_created == 4 and result.projects_created == 1
    record = IndicatorRecord.objects.order_by("indicator__position").first()
    assert (record.actual_value, record.expected_value, record.likelihood) == (1, 2, "有可能")
    assert record.deviation_reasons == ["经费", "人员"] and record.explanation == "采购推迟"
    assert ProjectRecord.objects.get().spent == Decimal("3.20")
    again = to_bytes(report_workbook(period, unit, template=True))
    assert not import_actuals(again, period).changed


def test_an_empty_template_imports_as_nothing(unit):
    period = ReportingPeriod.objects.get(code="2025-final")
    result = import_actuals(to_bytes(report_workbook(period, unit, template=True)), period)
    assert not result.changed and not IndicatorRecord.objects.exists()


# ---------------------------------------------------------------- django-import-export resources


def test_table13_resource_exports_the_flat_layout_and_reads_back(seeded):
    dataset = Table13Resource().export(Indicator.objects.all())
    assert tuple(dataset.headers) == TABLE13_HEADERS and len(dataset) == 90
    assert not import_targets(dataset.export("csv").encode(), 2025, filename="flat.csv").result.changed


def test_resources_neutralize_formula_text(seeded):
    Indicator.objects.filter(name="购置多功能打印机数量").update(name="=1+1")
    before = snapshot()
    dataset = Table13Resource().export(Indicator.objects.all())
    assert "'=1+1" in dataset["三级指标"]
    assert not import_targets(dataset.export("xlsx"), 2025).result.changed
    assert snapshot() == before


def test_record_resource_reads_back_with_import_actuals(seeded):
    period = ReportingPeriod.objects.get(code="2025-07")
    indicator = Indicator.objects.order_by("id").first()
    IndicatorRecord.objects.create(indicator=indicator, period=period, actual_value=1,
                                   likelihood="有可能", deviation_reasons=["经费"])
    dataset = IndicatorRecordResource().export(IndicatorRecord.objects.all())
    assert dataset.dict[0]["偏差原因"] == "经费"
    assert not import_actuals(dataset.export("xlsx"), period).changed
