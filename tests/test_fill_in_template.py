"""The fill-in template carries the period and each record's version: an upload made from an
older copy merges with what was saved since, a clash refuses the file naming who changed
what, and a template of another period is refused."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from budget.models import Role
from performance.excel.actuals_import import import_actuals
from performance.excel.errors import ExcelImportError
from performance.excel.report import report_workbook
from performance.excel.sheets import to_bytes
from performance.models import IndicatorRecord
from performance.services.entry import Entry, save_entries
from performance.workflow import Channel
from tests.entry_setup import make_team
from tests.factories import MembershipFactory, MonitoringPeriodFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def template(team, period=None) -> bytes:
    return to_bytes(report_workbook(period or team.period, team.unit, template=True))


def filled(data: bytes, indicator_values: dict, *, spent=None) -> bytes:
    """`data` with the 全年实际完成值 of some indicators (by name) and the money spent typed in."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook.active
    cols = {cell.value: cell.column for cell in ws[3] if cell.value}
    for row in range(4, ws.max_row + 1):
        name = ws.cell(row, cols["三级指标"]).value
        if name in indicator_values:
            measure = cols.get("全年实际完成值") or cols["当前完成值"]
            ws.cell(row, measure).value = indicator_values[name]
        if spent is not None and row == 4:
            ws.cell(row, cols["预算执行数"]).value = spent
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(team, data, user=None):
    return import_actuals(data, team.period, units=[team.unit], user=user or team.filler,
                          channel=Channel.UPLOAD, filename="模板.xlsx")


def save_on_page(team, indicator, value, user):
    record = IndicatorRecord.objects.filter(indicator=indicator, period=team.period).first()
    save_entries(team.project, team.period, user, {indicator.id: Entry(
        record.version if record else None, {"actual_value": value})})


def value(indicator):
    return IndicatorRecord.objects.get(indicator=indicator).actual_value


def test_the_template_carries_the_period_and_each_records_version_in_hidden_columns(team):
    save_on_page(team, team.indicators[0], Decimal(50), team.filler)
    ws = load_workbook(io.BytesIO(template(team))).active
    cols = {cell.value: cell.column_letter for cell in ws[3] if cell.value}
    for name in ("填报期间代码", "指标记录版本", "项目记录版本"):
        assert ws.column_dimensions[cols[name]].hidden
    assert ws[f"{cols['填报期间代码']}4"].value == team.period.code
    assert ws[f"{cols['指标记录版本']}4"].value == 0
    assert ws[f"{cols['指标记录版本']}5"].value is None  # no record yet


def test_a_copy_filled_while_someone_saved_other_values_merges_them(team):
    first, second = team.indicators[:2]
    copy = template(team)
    colleague = make_colleague(team)
    save_on_page(team, first, Decimal(70), colleague)  # saved after the copy was made
    result = upload(team, filled(copy, {second.name: 90}))
    assert result.records_created == 1
    assert value(first) == 70 and value(second) == 90


def test_a_copy_that_changes_a_value_someone_saved_since_is_refused_naming_them(team):
    first = team.indicators[0]
    save_on_page(team, first, Decimal(50), team.filler)
    copy = template(team)
    save_on_page(team, first, Decimal(70), make_colleague(team))
    with pytest.raises(ExcelImportError) as refused:
        upload(team, filled(copy, {first.name: 60}))
    [message] = refused.value.messages()
    assert message.startswith("第4行 [实际完成值]") and "钱同事" in message
    assert "50 → 70" in message and "60" in message
    assert value(first) == 70


def test_a_copy_changing_a_value_to_what_was_saved_since_is_no_clash(team):
    first = team.indicators[0]
    copy = template(team)
    save_on_page(team, first, Decimal(70), make_colleague(team))
    result = upload(team, filled(copy, {first.name: 70}))
    assert not result.changed and value(first) == 70


def test_uploading_the_same_copy_twice_changes_nothing_the_second_time(team):
    first = team.indicators[0]
    copy = filled(template(team), {first.name: 80})
    assert upload(team, copy).records_created == 1
    assert not upload(team, copy).changed  # its version is stale now, but it asks for 80 again
    assert IndicatorRecord.objects.get(indicator=first).version == 0


def test_a_template_of_another_period_is_refused(team):
    monitoring = MonitoringPeriodFactory()
    data = filled(template(team, monitoring), {team.indicators[0].name: 80})
    with pytest.raises(ExcelImportError) as refused:
        upload(team, data)
    assert any("2025-07" in m and "2025-final" in m for m in refused.value.messages())
    assert not IndicatorRecord.objects.exists()


def make_colleague(team):
    colleague = UserFactory(first_name="钱同事")
    MembershipFactory(user=colleague, unit=team.unit, role=Role.FILLER)
    return colleague
