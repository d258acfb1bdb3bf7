"""A large actuals import is read and written in parts (performance.excel.actuals_import,
services.values_bulk.write_in_parts): rows matched READ_BATCH at a time, the units' indicators
read as they are named; the values written WRITE_PART indicators (whole projects) at a time.
The parts are an implementation of memory, not of meaning: the same records, history and
scores as one write, every refusal and clash of every part reported together, and nothing
written when any part fails."""

from decimal import Decimal

import pytest

from performance.excel import actuals_import
from performance.excel.actuals_import import import_actuals
from performance.excel.actuals_rows import Matcher
from performance.excel.errors import ExcelImportError
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod
from performance.services import values_bulk
from performance.workflow import WorkflowStatus
from tests.excel_files import csv_bytes
from tests.factories import ProjectRecordFactory, UnitFactory, UserFactory, bulk_projects

pytestmark = pytest.mark.django_db
KEYS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标"]
PER_PROJECT = 4


@pytest.fixture
def small_parts(monkeypatch):
    """One project a write part, three rows a read batch."""
    monkeypatch.setattr(actuals_import, "WRITE_PART", PER_PROJECT)
    monkeypatch.setattr(actuals_import, "READ_BATCH", 3)


def world(units: int = 2, projects: int = 3):
    made = []
    for u in range(units):
        unit = UnitFactory(code=f"90000{u}", name=f"单位{u}")
        made += bulk_projects(unit, projects, PER_PROJECT, weight=Decimal(25),
                              prefix=f"项目{u}-")
    period = ReportingPeriod.objects.create(year=2025, code="2025-final", name="2025 年度",
                                            cutoff_month=12, kind="self_evaluation")
    return made, period


def file(projects, value=lambda p, i: 90, name=lambda i: f"指标{i}") -> bytes:
    return csv_bytes([KEYS + ["实际完成值", "预算执行数"], *[
        [f"{project.unit.code}-{project.unit.name}", project.name, "产出指标", "数量指标",
         name(i), value(p, i), 50]
        for p, project in enumerate(projects) for i in range(PER_PROJECT)]])


def stored(period):
    return sorted(IndicatorRecord.objects.filter(period=period).values_list(
        "indicator__project__name", "indicator__name", "actual_value", "version"))


def test_an_import_in_parts_stores_what_one_write_stores(monkeypatch):
    projects, period = world()
    whole = import_actuals(file(projects, value=lambda p, i: 80 + p + i), period)
    expected = stored(period)
    history = IndicatorRecord.history.filter(history_type="+").count()
    IndicatorRecord.objects.all().delete()
    ProjectRecord.objects.all().delete()
    IndicatorRecord.history.all().delete()
    monkeypatch.setattr(actuals_import, "WRITE_PART", PER_PROJECT)
    monkeypatch.setattr(actuals_import, "READ_BATCH", 3)
    parts = []
    real = values_bulk.prepare_bulk
    monkeypatch.setattr(values_bulk, "prepare_bulk",
                        lambda write, known: parts.append(sorted(write.projects)) or real(
                            write, known))
    in_parts = import_actuals(file(projects, value=lambda p, i: 80 + p + i), period)
    assert parts == [[p.id] for p in sorted(projects, key=lambda p: p.id)]
    assert in_parts == whole
    assert stored(period) == expected
    assert IndicatorRecord.history.filter(history_type="+").count() == history == 24
    assert ProjectRecord.objects.filter(period=period, computed_at__isnull=False).count() == 6


def test_rows_are_matched_as_they_stream_across_batches(small_parts):
    """Units named only in later batches are read then; a name matched after normalizing
    (full-width spaces) in a later batch finds an indicator read for an earlier one."""
    projects, period = world()
    result = import_actuals(file(projects, name=lambda i: f"指　标{i}"), period)
    assert result.records_created == 24


def test_a_unit_not_allowed_has_its_rows_refused_and_its_indicators_never_read(
        small_parts, monkeypatch):
    projects, period = world()
    allowed = projects[0].unit
    asked = []
    real = Matcher.add_units
    monkeypatch.setattr(Matcher, "add_units",
                        lambda self, ids: asked.append(set(ids)) or real(self, ids))
    with pytest.raises(ExcelImportError) as error:
        import_actuals(file(projects), period, units=[allowed])
    assert len(error.value.messages()) == 12
    assert all("不是您可填报的单位" in m for m in error.value.messages())
    assert set().union(*asked) == {allowed.id}


def test_clashes_in_several_parts_are_all_reported_and_nothing_is_written(small_parts):
    projects, period = world()
    someone = UserFactory(username="someone")
    import_actuals(file([projects[1], projects[4]]), period, user=someone)
    before = stored(period)
    # projects 1 and 4 clash (someone's value changed by an unversioned file); the others are
    # new records, written in parts between them
    changed = file(projects, value=lambda p, i: (70 if i == 0 else 90) if p in (1, 4) else 91)
    with pytest.raises(ExcelImportError) as error:
        import_actuals(changed, period, user=UserFactory())
    messages = error.value.messages()
    assert len(messages) == 2 and all("未覆盖他人填写的值" in m for m in messages)
    assert stored(period) == before


def test_a_refusal_in_a_later_part_rolls_back_the_parts_written_before(small_parts):
    projects, period = world()
    ordered = sorted(projects, key=lambda p: p.id)
    ProjectRecordFactory(project=ordered[-1], period=period, status=WorkflowStatus.SUBMITTED)
    with pytest.raises(ExcelImportError) as error:
        import_actuals(file(projects), period)
    [message] = error.value.messages()
    assert "已提交" in message and ordered[-1].name in message
    assert not IndicatorRecord.objects.exists()
    assert not IndicatorRecord.history.exists()


def test_a_dry_run_in_parts_counts_every_part_and_writes_nothing(small_parts):
    projects, period = world()
    result = import_actuals(file(projects), period, dry_run=True)
    assert (result.records_created, result.projects_created, result.dry_run) == (24, 6, True)
    assert not IndicatorRecord.objects.exists() and not ProjectRecord.objects.exists()
