"""The actuals import's write (performance.services.values_bulk): each step costs in proportion
to what changed. An unchanged row costs a comparison: no write, no history row, no refresh; the
queries do not grow with the unchanged rows; what changes keeps the one write path's history
(channel, reason, actor) and merge rules."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Project
from performance.excel.actuals_import import import_actuals
from performance.excel.errors import ExcelImportError
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod
from performance.services import values_bulk
from performance.workflow import Channel
from tests.excel_files import csv_bytes
from tests.factories import UnitFactory, UserFactory, bulk_projects

pytestmark = pytest.mark.django_db
KEYS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标"]
PER_PROJECT = 10


def world(projects: int):
    """A unit with `projects` projects of PER_PROJECT indicators (bulk, no factory per row)."""
    unit = UnitFactory(code="900001", name="大单位")
    made = bulk_projects(unit, projects, PER_PROJECT)
    period = ReportingPeriod.objects.create(year=2025, code="2025-final", name="2025 年度",
                                            cutoff_month=12, kind="self_evaluation")
    return unit, made, period


def file(unit, projects, value=lambda p, i: 90, spent=lambda p: 50) -> bytes:
    return csv_bytes([KEYS + ["实际完成值", "预算执行数"], *[
        [f"{unit.code}-{unit.name}", project.name, "产出指标", "数量指标", f"指标{i}",
         value(p, i), spent(p)]
        for p, project in enumerate(projects) for i in range(PER_PROJECT)]])


def queries(data: bytes, period, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = import_actuals(data, period, **kwargs)
    return len(ctx.captured_queries), result


def test_an_unchanged_reimport_writes_nothing_and_refreshes_nothing(monkeypatch):
    unit, projects, period = world(3)
    import_actuals(file(unit, projects), period)
    refreshed = []
    monkeypatch.setattr(values_bulk, "refresh_snapshots",
                        lambda period, ids: refreshed.append(ids))
    history = IndicatorRecord.history.count()
    versions = list(IndicatorRecord.objects.order_by("id").values_list("version", flat=True))
    result = import_actuals(file(unit, projects), period)
    assert (result.records_unchanged, result.records_updated, result.records_created) == (30, 0, 0)
    assert result.projects_unchanged == 3 and not result.changed
    assert IndicatorRecord.history.count() == history
    assert list(IndicatorRecord.objects.order_by("id").values_list("version", flat=True)) == versions
    assert refreshed == []


@pytest.mark.parametrize("changed", [0, 1])
def test_query_count_does_not_grow_with_unchanged_rows(changed):
    """Import N rows, re-import them with `changed` project's values changed, for two N: the
    re-import's queries are the same for both N."""
    counts = []
    for projects in (2, 12):
        unit, made, period = world(projects)
        import_actuals(file(unit, made), period)
        count, result = queries(file(unit, made, value=lambda p, i: 90 + (p < changed)), period)
        assert result.records_unchanged == (projects - changed) * PER_PROJECT
        assert result.records_updated == changed * PER_PROJECT
        counts.append(count)
        Project.objects.all().delete()
        ReportingPeriod.objects.all().delete()
        unit.delete()
    assert counts[0] == counts[1]


def test_query_count_of_a_changed_import_does_not_grow_with_rows():
    counts = []
    for projects in (2, 12):
        unit, made, period = world(projects)
        import_actuals(file(unit, made), period)
        count, result = queries(file(unit, made, value=lambda p, i: 80), period)
        assert result.records_updated == projects * PER_PROJECT
        counts.append(count)
        Project.objects.all().delete()
        ReportingPeriod.objects.all().delete()
        unit.delete()
    assert counts[0] == counts[1]


def test_changed_rows_keep_history_with_channel_reason_and_actor():
    unit, projects, period = world(2)
    user = UserFactory()
    import_actuals(file(unit, projects), period, user=user, channel=Channel.COMMAND,
                   filename="自评表.csv")
    import_actuals(file(unit, projects, value=lambda p, i: 90 + (p == 1 and i == 3)), period,
                   user=user, channel=Channel.COMMAND, filename="自评表.csv")
    record = IndicatorRecord.objects.get(indicator__project=projects[1], indicator__name="指标3")
    assert record.actual_value == Decimal(91) and record.version == 1
    rows = list(record.history.order_by("history_id").values_list(
        "history_type", "actual_value", "version", "history_user_id", "history_channel",
        "history_change_reason"))
    assert rows == [("+", Decimal(90), 0, user.pk, Channel.COMMAND, "Excel 导入：自评表.csv"),
                    ("~", Decimal(91), 1, user.pk, Channel.COMMAND, "Excel 导入：自评表.csv")]
    assert IndicatorRecord.history.filter(history_type="~").count() == 1
    assert ProjectRecord.history.filter(history_type="~").count() == 0


def test_a_value_someone_else_saved_is_not_overwritten_by_an_unversioned_file():
    unit, projects, period = world(1)
    someone = UserFactory(username="someone")
    import_actuals(file(unit, projects), period, user=someone)
    with pytest.raises(ExcelImportError) as error:
        import_actuals(file(unit, projects, value=lambda p, i: 70 if i == 2 else 90), period,
                       user=UserFactory())
    assert len(error.value.messages()) == 1
    assert "未覆盖他人填写的值" in error.value.messages()[0]
    assert not IndicatorRecord.objects.filter(actual_value=70).exists()
    result = import_actuals(file(unit, projects, value=lambda p, i: 70 if i == 2 else 90),
                            period, user=UserFactory(), overwrite=True)
    assert result.records_updated == 1 and result.records_unchanged == PER_PROJECT - 1


def test_a_project_whose_rows_changed_is_refreshed_and_only_it(monkeypatch):
    unit, projects, period = world(3)
    import_actuals(file(unit, projects), period)
    refreshed = []
    real = values_bulk.refresh_snapshots
    monkeypatch.setattr(values_bulk, "refresh_snapshots",
                        lambda period, ids: refreshed.append(list(ids)) or real(period, ids))
    import_actuals(file(unit, projects, value=lambda p, i: 90 + (p == 2)), period)
    assert refreshed == [[projects[2].id]]
    assert ProjectRecord.objects.get(project=projects[2], period=period).computed_at is not None
