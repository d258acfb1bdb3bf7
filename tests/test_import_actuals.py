"""import_actuals: a 自评表/监控表 into one period, matched by unit/project/levels, all or nothing."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.domain import Operator
from performance.excel import jobs
from performance.excel.actuals_import import import_actuals
from performance.excel.errors import BadFile, ExcelImportError
from performance.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    Indicator,
    IndicatorRecord,
    ProjectRecord,
    ReportingPeriod,
    WorkflowStatus,
)
from performance.tasks import run_import_job
from tests.entry_setup import lock
from tests.excel_files import csv_bytes, xlsx
from tests.factories import (
    IndicatorFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
KEYS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标"]
UNIT = "342601-广元市社会保险事务中心"


@pytest.fixture
def final(seeded):
    return ReportingPeriod.objects.get(code="2025-final")


@pytest.fixture
def monitoring(seeded):
    return ReportingPeriod.objects.get(code="2025-07")


def indicators(n=None, **filters):
    qs = Indicator.objects.filter(**filters).select_related("project", "level1", "level2")
    return list(qs.order_by("project_id", "position")[:n] if n else qs)


def key(indicator):
    return [UNIT, indicator.project.name, indicator.level1.name, indicator.level2.name,
            indicator.name]


def sheet(extra_headers, rows, **kwargs):
    return xlsx([KEYS + extra_headers, *rows],
                title_rows=["2025 年度项目支出绩效自评表", "金额单位：万元"], **kwargs)


def value_for(indicator):
    return "优" if indicator.operator == Operator.QUALITATIVE else indicator.target_value


def records():
    return sorted(IndicatorRecord.objects.values_list(
        "indicator__name", "actual_value", "actual_grade", "explanation", "expected_value",
        "likelihood", "deviation_reasons", "corrective_measures"))


def test_self_evaluation_values_are_written(final):
    first, second = indicators(2)
    data = sheet(["全年实际完成值", "未完成原因", "预算执行数"],
                 [key(first) + [1, "采购推迟", 6.5], key(second) + [20, None, None]])
    result = import_actuals(data, final)
    assert result.records_created == 2 and result.projects_created == 1
    record = IndicatorRecord.objects.get(indicator=first, period=final)
    assert record.actual_value == 1 and record.explanation == "采购推迟"
    assert ProjectRecord.objects.get(project=first.project, period=final).spent == Decimal("6.5")


def test_a_qualitative_indicator_takes_a_grade(final):
    Indicator.objects.filter(pk=indicators(1)[0].pk).update(
        operator=Operator.QUALITATIVE, target_value=None, target_grade="优")
    indicator = indicators(1)[0]
    import_actuals(sheet(["实际完成值"], [key(indicator) + ["良好"]]), final)
    assert IndicatorRecord.objects.get(indicator=indicator).actual_grade == "良"


def test_monitoring_columns_and_deviation_categories(monitoring):
    a, b = indicators(2)
    data = sheet(["当前完成值", "全年预计完成值", "完成可能性", "偏差原因", "纠偏措施"],
                 [key(a) + ["1", "2", "有可能", "经费、人员", "加快采购"],
                  key(b) + [10, 20, "确定能", "供应商延期交货", None]])
    import_actuals(data, monitoring)
    ra = IndicatorRecord.objects.get(indicator=a, period=monitoring)
    assert (ra.actual_value, ra.expected_value, ra.likelihood) == (1, 2, "有可能")
    assert ra.deviation_reasons == ["经费", "人员"] and ra.corrective_measures == "加快采购"
    rb = IndicatorRecord.objects.get(indicator=b, period=monitoring)
    assert rb.deviation_reasons == [] and rb.explanation == "供应商延期交货"


def test_a_reimport_changes_every_kind_of_value_and_keeps_history(monitoring):
    """The changed records' UPDATE (set-based on PostgreSQL): decimals, texts and the JSON
    list of deviation reasons, each record's version and its history row."""
    a, b = indicators(2)
    headers = ["当前完成值", "全年预计完成值", "完成可能性", "偏差原因", "纠偏措施"]
    import_actuals(sheet(headers, [key(a) + ["1", "2", "有可能", "经费、人员", "加快采购"],
                                   key(b) + [10, 20, "确定能", None, None]]), monitoring)
    result = import_actuals(sheet(headers, [
        key(a) + ["1.5", "2", "不可能", "人员", "加快采购"],
        key(b) + [10, 30, "确定能", "经费", "调整计划"]]), monitoring)
    assert result.records_updated == 2
    ra = IndicatorRecord.objects.get(indicator=a, period=monitoring)
    assert (ra.actual_value, ra.expected_value, ra.likelihood) == (Decimal("1.5"), 2, "完全不可能")
    assert ra.deviation_reasons == ["人员"] and ra.version == 1
    rb = IndicatorRecord.objects.get(indicator=b, period=monitoring)
    assert (rb.expected_value, rb.deviation_reasons, rb.corrective_measures) == (
        30, ["经费"], "调整计划")
    latest = ra.history.order_by("-history_id").first()
    assert (latest.history_type, latest.deviation_reasons, latest.version) == ("~", ["人员"], 1)


def test_names_are_matched_after_normalization(final):
    indicator = indicators(1)[0]
    unit, project, level1, level2, name = key(indicator)
    row = ["342601 - 广元市社会保险\n事务中心", f" {project}\n", level1.replace("指标", " 指标"),
           level2, name[:3] + "\n" + name[3:], "１"]
    import_actuals(sheet(["实际完成值"], [row]), final)
    assert IndicatorRecord.objects.get(indicator=indicator).actual_value == 1


def test_reimporting_changes_nothing(final):
    data = sheet(["实际完成值"], [key(i) + [1] for i in indicators(5)])
    import_actuals(data, final)
    versions = list(IndicatorRecord.objects.values_list("version", "updated_at"))
    result = import_actuals(data, final)
    assert not result.changed and result.records_unchanged == 5
    assert list(IndicatorRecord.objects.values_list("version", "updated_at")) == versions


def test_a_changed_value_updates_the_record_and_its_version(final):
    indicator = indicators(1)[0]
    import_actuals(sheet(["实际完成值"], [key(indicator) + [1]]), final)
    result = import_actuals(sheet(["实际完成值"], [key(indicator) + [2]]), final)
    record = IndicatorRecord.objects.get()
    assert result.records_updated == 1 and record.actual_value == 2 and record.version == 1


def test_dry_run_writes_nothing(final):
    result = import_actuals(sheet(["实际完成值"], [key(i) + [1] for i in indicators(3)]), final,
                            dry_run=True)
    assert result.records_created == 3 and not IndicatorRecord.objects.exists()


# ---------------------------------------------------------------- refused, nothing written


def refused(data, period, **kwargs) -> list[str]:
    before = records(), list(ProjectRecord.objects.values_list("spent"))
    with pytest.raises(ExcelImportError) as info:
        import_actuals(data, period, **kwargs)
    assert (records(), list(ProjectRecord.objects.values_list("spent"))) == before
    return info.value.messages()


def test_an_unknown_indicator_is_refused(final):
    good = indicators(1)[0]
    row = key(good)[:4] + ["不存在的指标"] + [5]
    messages = refused(sheet(["实际完成值"], [key(good) + [1], row]), final)
    assert messages == [f"第5行 [三级指标] 项目“{good.project.name}”中没有指标“不存在的指标”"
                        "（请核对是否与已申报的表13 一致）"]


@pytest.mark.parametrize("column, change, text", [
    ("项目名称", "不存在的项目", "没有项目“不存在的项目”"),
    ("二级指标", "质量指标", "一级/二级指标为“产出指标/数量指标”"),
    ("单位名称", "999999-无此单位", "找不到单位"),
])
def test_unmatched_rows_say_why(final, column, change, text):
    row = key(indicators(1)[0])
    row[KEYS.index(column)] = change
    [message] = refused(sheet(["实际完成值"], [row + [1]]), final)
    assert message.startswith(f"第4行 [{column}]") and text in message


@pytest.mark.parametrize("header, value, text", [
    ("实际完成值", "很多", "不是数字"),
    ("实际完成值", "优", "应为数字"),
    ("实际完成值", "≥5", "不应带"),
    ("完成可能性", "也许", "无法识别"),
    ("预算执行数", -1, "负数"),
    ("指标值", 3, "与已申报的目标不一致：文件中为“3”，系统中为“2”"),
    ("权重", 5, "系统中为“4”"),
    ("指标性质", "≤", "系统中为“≥”"),
    ("度量单位", "台", "系统中为“台/套”"),
    ("预算数", 8, "系统中为“7”"),
])
def test_a_bad_cell_is_refused_naming_row_and_column(final, header, value, text):
    row = key(indicators(1)[0]) + [1, value] if header != "实际完成值" else None
    headers = ["实际完成值", header] if header != "实际完成值" else ["实际完成值"]
    row = row or key(indicators(1)[0]) + [value]
    [message] = refused(sheet(headers, [row]), final)
    assert message.startswith(f"第4行 [{header}]") and text in message


def test_the_same_indicator_twice_is_refused(final):
    row = key(indicators(1)[0]) + [1]
    assert refused(sheet(["实际完成值"], [row, row]), final) == [
        "第5行 [三级指标] 与第4行是同一指标“购置多功能打印机数量”"]


def test_every_problem_is_listed(final):
    a, b, c = indicators(3)
    rows = [key(a) + ["x"], key(b) + [1], key(c)[:4] + ["无"] + [1]]
    messages = refused(sheet(["实际完成值"], rows), final)
    assert [m.split(" ")[0] for m in messages] == ["第4行", "第6行"]


def test_rows_of_other_units_are_refused_when_units_are_restricted(final):
    other = UnitFactory(code="342602", name="另一单位")
    messages = refused(sheet(["实际完成值"], [key(indicators(1)[0]) + [1]]), final, units=[other])
    assert "不是您可填报的单位" in messages[0]


def test_a_locked_period_is_refused(final):
    lock(final, UserFactory(is_superuser=True))
    with pytest.raises(BadFile, match="已锁定"):
        import_actuals(sheet(["实际完成值"], [key(indicators(1)[0]) + [1]]), final)


def test_a_submitted_project_is_not_changed(final):
    indicator = indicators(1)[0]
    ProjectRecordFactory(project=indicator.project, period=final, status=WorkflowStatus.SUBMITTED)
    [message] = refused(sheet(["实际完成值"], [key(indicator) + [1]]), final)
    assert message.startswith("第4行 [项目名称]") and "已提交" in message


def test_missing_columns_are_named(final):
    with pytest.raises(BadFile, match="缺少列：实际完成值"):
        import_actuals(xlsx([KEYS + ["得分"]]), final)


# ---------------------------------------------------------------- speed by query count


def test_import_refreshes_the_stored_scores_and_lights(final):
    indicator = indicators(1)[0]
    data = csv_bytes([KEYS + ["实际完成值"], key(indicator) + [indicator.target_value or "优"]])
    import_actuals(data, final)
    record = ProjectRecord.objects.get(project=indicator.project, period=final)
    assert record.computed_at is not None
    assert record.score_total is not None
    assert record.indicators_missing == indicator.project.indicators.count() - 1


def test_query_count_does_not_grow_with_rows(db):
    unit = UnitFactory(code="900001", name="大单位")
    project = ProjectFactory(unit=unit)
    many = [IndicatorFactory(project=project) for _ in range(60)]

    def count(items, code):
        period = ReportingPeriod.objects.create(year=2025, code=code, name=code, cutoff_month=12,
                                                kind="self_evaluation")
        data = csv_bytes([KEYS + ["实际完成值", "预算执行数"],
                          *[[f"{unit.code}-{unit.name}", project.name, "产出指标", "数量指标",
                             i.name, 5, 1] for i in items]])
        with CaptureQueriesContext(connection) as ctx:
            result = import_actuals(data, period)
        assert result.records_created == len(items)
        return len(ctx.captured_queries)

    # About 15 for the import (reading the targets, the period and the project records under
    # their locks, writing records and history rows) and 8 for refreshing the scores and lights.
    assert count(many[:5], "few") == count(many, "many") <= 26


# ---------------------------------------------------------------- command, task, admin


def test_command_imports_and_exits_1_on_problems(final, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([KEYS + ["实际完成值"], key(indicators(1)[0]) + [1]]))
    call_command("import_actuals", str(good), "--period", "2025-final")
    assert "新增指标填报 1 条" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([KEYS + ["实际完成值"], key(indicators(1)[0]) + ["x"],
                               key(indicators(2)[1]) + ["y"]]))
    with pytest.raises(CommandError) as info:
        call_command("import_actuals", str(bad), "--period", "2025-final")
    assert info.value.returncode == 1
    err = capsys.readouterr().err
    assert "第2行 [实际完成值]" in err and "第3行 [实际完成值]" in err


def test_command_dry_run_and_unknown_period(final, tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes([KEYS + ["实际完成值"], key(indicators(1)[0]) + [1]]))
    call_command("import_actuals", str(path), "--period", "2025-final", "--dry-run")
    assert not IndicatorRecord.objects.exists()
    with pytest.raises(CommandError, match="2025-final"):
        call_command("import_actuals", str(path), "--period", "2099")


def upload(data: bytes, name="自评表.xlsx"):
    return SimpleUploadedFile(name, data)


def test_the_task_fetches_the_job_and_runs_the_service(final, superuser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = sheet(["实际完成值"], [key(i) + [1] for i in indicators(3)])
    job = jobs.create_job(upload(data), kind=ImportKind.ACTUALS, period=final, user=superuser)
    job.dry_run = False
    job.save()
    assert run_import_job(job.pk) == ImportStatus.DONE
    job.refresh_from_db()
    assert job.progress == 100 and "新增指标填报 3 条" in job.summary
    assert IndicatorRecord.objects.filter(updated_by=superuser).count() == 3


def test_a_large_upload_is_enqueued_after_commit(final, settings, tmp_path, monkeypatch,
                                                django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT, settings.EXCEL_ASYNC_THRESHOLD_BYTES = tmp_path, 10
    calls = []
    monkeypatch.setattr("performance.tasks.send_at_once", lambda task, *args: calls.append(args))
    job = jobs.create_job(upload(sheet(["实际完成值"], [])), kind=ImportKind.ACTUALS, period=final)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.start(job)
        assert calls == []  # not before the commit
    assert calls == [(job.pk,)] and ImportJob.objects.get().status == ImportStatus.PENDING


def test_the_web_upload_restricts_to_the_users_units(final, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    UnitFactory(code="342602", name="另一单位")
    job = jobs.create_job(upload(sheet(["实际完成值"], [key(indicators(1)[0]) + [1]])),
                          kind=ImportKind.ACTUALS, period=final, units=["342602"])
    jobs.run_job(job)
    assert job.status == ImportStatus.FAILED and "不是您可填报的单位" in job.errors[1]


def test_admin_import_of_actuals(final, client, superuser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(superuser)
    changelist = client.get(reverse("admin:performance_indicatorrecord_changelist"))
    assert reverse("admin:performance_indicatorrecord_import") in changelist.content.decode()
    data = sheet(["实际完成值"], [key(i) + [1] for i in indicators(2)])
    client.post(reverse("admin:performance_indicatorrecord_import"),
                {"file": upload(data), "period": final.pk})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE and not IndicatorRecord.objects.exists()
    client.post(reverse("admin:performance_importjob_confirm", args=[job.pk]))
    assert IndicatorRecord.objects.count() == 2
