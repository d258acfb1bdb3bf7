"""import_targets in proportion to what changed: its query count does not grow with the rows
(new or unchanged), an unchanged row is compared and never written, the reader streams, and
the cyclic GC paused during an import is on again afterwards."""

import gc
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Project, Unit
from performance.excel.errors import ExcelImportError
from performance.excel.layouts import TARGETS
from performance.excel.reader import read_table
from performance.excel.targets_import import import_targets
from performance.models import AnnualGoal, Indicator
from performance.services.upsert import upsert_tuples
from tests.excel_files import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标",
          "指标性质", "指标值", "度量单位", "权重", "指标方向性"]
# One indicator of each level the review asks for; weights total 90.
BODY = [("产出指标", "数量指标", "≥", "人次", "正向指标"),
        ("产出指标", "质量指标", "≥", "%", "正向指标"),
        ("产出指标", "时效指标", "≤", "天", "反向指标"),
        ("成本指标", "经济成本指标", "≤", "万元", "反向指标"),
        ("效益指标", "社会效益指标", "≥", "%", "正向指标"),
        ("满意度指标", "服务对象满意度指标", "≥", "%", "正向指标")]


def table13(projects: int, changed: int = 0) -> bytes:
    """A 表13 CSV of `projects` projects (6 indicators each, spread over 3 units); the first
    `changed` indicators have another target."""
    rows, n = [HEADER], 0
    for p in range(projects):
        for i, (level1, level2, operator, measure, direction) in enumerate(BODY):
            target = 80 + i + (1 if n < changed else 0)
            rows.append([f"90000{p % 3}-单位{p % 3}", f"项目{p}", 100, f"项目{p}的目标",
                         level1, level2, f"指标{i}", operator, target, measure, 15, direction])
            n += 1
    return csv_bytes(rows)


def queries(data: bytes):
    with CaptureQueriesContext(connection) as ctx:
        outcome = import_targets(data, 2025, filename="表13.csv")
    return outcome, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("changed", [0, 3])
def test_reimport_query_count_does_not_grow_with_unchanged_rows(changed):
    counts = []
    for projects in (2, 20):
        Indicator.objects.all().delete()
        AnnualGoal.objects.all().delete()
        Project.objects.all().delete()
        import_targets(table13(projects), 2025, filename="表13.csv")
        outcome, sql = queries(table13(projects, changed))
        assert outcome.result.indicators_updated == changed
        assert outcome.result.indicators_unchanged == projects * len(BODY) - changed
        counts.append(len(sql))
    assert counts[0] == counts[1]


def test_first_import_query_count_does_not_grow_with_rows():
    counts = []
    for projects in (2, 20):
        Indicator.objects.all().delete()
        AnnualGoal.objects.all().delete()
        Project.objects.all().delete()
        Unit.objects.all().delete()  # a fresh database each time: every unit new too
        outcome, sql = queries(table13(projects))
        assert outcome.result.indicators_created == projects * len(BODY)
        counts.append(len(sql))
    assert counts[0] == counts[1]


def test_unchanged_rows_are_compared_not_written():
    import_targets(table13(4), 2025, filename="表13.csv")
    stamps = dict(Indicator.objects.values_list("id", "updated_at"))
    outcome, sql = queries(table13(4))
    assert outcome.result.indicators_unchanged == 4 * len(BODY)
    writes = [q for q in sql if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "performance_indicator" in q]
    assert writes == []
    assert dict(Indicator.objects.values_list("id", "updated_at")) == stamps


def test_changed_rows_are_updated_in_place_and_only_they_get_a_new_stamp():
    import_targets(table13(2), 2025, filename="表13.csv")
    before = dict(Indicator.objects.values_list("id", "updated_at"))
    outcome = import_targets(table13(2, changed=2), 2025, filename="表13.csv")
    assert outcome.result.indicators_updated == 2
    after = dict(Indicator.objects.values_list("id", "updated_at"))
    assert after.keys() == before.keys()  # same ids: values entered against them stay
    assert sum(after[k] != before[k] for k in after) == 2
    assert sorted(Indicator.objects.filter(name="指标0").values_list("target_value", flat=True)) \
        == [Decimal("80"), Decimal("81")]


def test_streamed_reader_gives_the_rows_of_the_list_reader():
    data = table13(3)
    listed = read_table(data, TARGETS, filename="t.csv")
    streamed = read_table(data, TARGETS, filename="t.csv", stream=True)
    assert not isinstance(streamed.rows, list)
    assert [(r.number, r.values) for r in streamed.rows] == \
        [(r.number, r.values) for r in listed.rows]
    assert streamed.rows_scanned == listed.rows_scanned


def test_gc_is_on_again_after_an_import_that_fails():
    assert gc.isenabled()
    bad = csv_bytes([HEADER, ["900000-单位0", "项目", "x", "", "产出指标", "数量指标", "指标",
                              "≥", 1, "人", 90, "正向指标"]])
    with pytest.raises(ExcelImportError):
        import_targets(bad, 2025, filename="bad.csv")
    assert gc.isenabled()


def test_upsert_tuples_inserts_then_updates_only_the_named_fields():
    import_targets(table13(1), 2025, filename="表13.csv")
    project = Project.objects.get()
    first = Indicator.objects.get(name="指标0")
    names = ("project_id", "name", "level1_id", "level2_id", "operator", "target_value",
             "unit", "weight", "direction", "position")
    row = (project.id, "指标0", first.level1_id, first.level2_id, "≥", Decimal("99"), "人次",
           Decimal("15"), "正向指标", 1)
    new = (project.id, "新指标", first.level1_id, first.level2_id, "≥", Decimal("5"), "个",
           Decimal("15"), "正向指标", 7)
    upsert_tuples(Indicator, names, [row, new], unique=["project", "name"],
                  update=["target_value"], constants={"updated_at": first.updated_at})
    first.refresh_from_db()
    assert first.target_value == Decimal("99") and first.position == 1
    added = Indicator.objects.get(name="新指标")
    assert (added.target_value, added.unit, added.position, added.retired, added.target_grade) \
        == (Decimal("5"), "个", 7, False, "")
    assert added.updated_at == first.updated_at


def test_frozen_builds_what_the_dataclass_would_and_stays_frozen():
    import dataclasses

    from performance.domain import Direction, Operator, TargetRow
    from performance.normalize import frozen

    values = dict(unit_code="900000", unit_name="单位", project_name="项目", budget=Decimal("1"),
                  goal="", level1="产出指标", level2="数量指标", name="指标", operator=Operator.GE,
                  target_value=Decimal("80"), target_grade=None, unit="人次",
                  weight=Decimal("15"), direction=Direction.POSITIVE, source_row=4)
    row = frozen(TargetRow, dict(values))
    assert row == TargetRow(**values) and hash(row) == hash(TargetRow(**values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "别的"

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        a: int

    assert frozen(Slotted, {"a": 1}) == Slotted(1)  # its own __init__
