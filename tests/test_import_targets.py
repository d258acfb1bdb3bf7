"""import_targets: 表13 from Excel/CSV through the one writer, all or nothing."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from budget.models import Project, Unit
from budget.seed import SEED_DIR
from performance.excel.errors import BadFile, ExcelImportError
from performance.excel.targets_import import import_targets
from performance.models import (
    AnnualGoal,
    ImportJob,
    ImportStatus,
    Indicator,
)
from performance.seed import add_local_levels, read_table13_tsv
from tests.excel_files import TABLE13_XLS, TABLE13_XLSX, csv_bytes, load, save, tsv_rows, xlsx
from tests.factories import IndicatorRecordFactory

pytestmark = pytest.mark.django_db
HEADER = tsv_rows()[0]


@pytest.fixture
def levels(db):
    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})


def snapshot():
    return {
        "units": list(Unit.objects.values_list("code", "name").order_by("code")),
        "projects": list(Project.objects.values_list("name", "budget_amount").order_by("id")),
        "goals": list(AnnualGoal.objects.values_list("text", flat=True).order_by("id")),
        "indicators": list(Indicator.objects.values_list(
            "project__name", "level1__name", "level2__name", "name", "operator", "target_value",
            "target_grade", "unit", "weight", "direction", "position").order_by("id")),
    }


def stored_rows():
    return [(i.project.unit.code, i.project.name, i.project.budget_amount, i.project.goal.text,
             i.level1.name, i.level2.name, i.name, i.operator, i.target_value,
             i.target_grade or None, i.unit, i.weight, i.direction)
            for i in Indicator.objects.select_related("project__unit", "project__goal", "level1",
                                                      "level2").order_by("project_id", "position")]


def tsv_target_rows():
    return [(r.unit_code, r.project_name, r.budget, r.goal, r.level1, r.level2, r.name,
             r.operator, r.target_value, r.target_grade, r.unit, r.weight, r.direction)
            for r in read_table13_tsv(SEED_DIR / "table13-2025.tsv")]


@pytest.mark.parametrize("source", [TABLE13_XLSX, TABLE13_XLS])
def test_seed_workbook_gives_the_7_projects_and_90_indicators_of_the_tsv(levels, source):
    outcome = import_targets(source, 2025)
    assert outcome.result.projects_created == 7 and outcome.result.indicators_created == 90
    assert Project.objects.count() == 7 and Indicator.objects.count() == 90
    assert stored_rows() == tsv_target_rows()
    assert Indicator.objects.filter(source_row=5, name="购置多功能打印机数量").exists()


def test_reimporting_the_same_file_changes_nothing(levels):
    import_targets(TABLE13_XLSX, 2025)
    before = snapshot()
    outcome = import_targets(TABLE13_XLSX, 2025)
    assert not outcome.result.changed and outcome.result.indicators_unchanged == 90
    assert snapshot() == before


def test_the_workbook_equals_the_seed_loaded_from_the_tsv(seeded):
    before = snapshot()
    assert not import_targets(TABLE13_XLSX, 2025).result.changed
    assert snapshot() == before


def test_a_changed_target_updates_its_indicator_in_place_and_keeps_its_records(seeded):
    # A record with nothing entered yet (only an explanation): the targets are not in use, so
    # the import writes them; entered values would make it a proposal
    # (tests/test_import_targets_proposals.py).
    indicator = Indicator.objects.get(name="购置多功能打印机数量")
    record = IndicatorRecordFactory(indicator=indicator, explanation="待采购")
    workbook = load(TABLE13_XLSX.read_bytes())
    workbook.active["I5"] = 3
    outcome = import_targets(save(workbook), 2025, filename="改.xlsx")
    assert outcome.result.indicators_updated == 1 and not outcome.result.notices
    indicator.refresh_from_db()
    assert indicator.target_value == 3
    record.refresh_from_db()
    assert record.indicator_id == indicator.id and record.explanation == "待采购"


def test_one_file_creates_a_project_and_updates_another_in_place(seeded):
    """The indicators of a project this import creates are plain inserts, the others an
    upsert: both kinds in one file, and the existing indicators keep their ids."""
    header, *rows = tsv_rows()
    column = {name: index for index, name in enumerate(header)}
    first = rows[0][column["项目名称"]]
    ids = dict(Indicator.objects.filter(project__name=first).values_list("name", "id"))
    rows[0][column["指标值"]] = "3"  # 购置多功能打印机数量: 2 → 3
    added = [*rows[1][:column["三级指标"]], "新增的三级指标", *rows[1][column["三级指标"] + 1:]]
    new_project = [[*row[:column["项目名称"]], "新建项目", *row[column["项目名称"] + 1:]]
                   for row in rows if row[column["项目名称"]] == first]
    outcome = import_targets(csv_bytes([header, *rows, added, *new_project]), 2025,
                             filename="混合.csv")
    result = outcome.result
    assert (result.projects_created, result.indicators_updated) == (1, 1)
    assert result.indicators_created == len(new_project) + 1
    assert dict(Indicator.objects.filter(project__name=first, name__in=ids).values_list(
        "name", "id")) == ids
    assert Indicator.objects.get(name="购置多功能打印机数量", project__name=first).target_value == 3
    assert Indicator.objects.filter(project__name=first, name="新增的三级指标").exists()
    assert Indicator.objects.filter(project__name="新建项目").count() == len(new_project)
    assert Indicator.objects.count() == 90 + len(new_project) + 1


def test_missing_indicators_are_reported_and_removed_only_with_replace(seeded):
    workbook = load(TABLE13_XLSX.read_bytes())
    workbook.active.delete_rows(6)  # 购置办公软件数量 (a continuation row)
    data = save(workbook)
    outcome = import_targets(data, 2025)
    assert outcome.result.missing == ["社会保险信息网络建设维护费 / 购置办公软件数量"]
    assert Indicator.objects.filter(name="购置办公软件数量").exists()
    outcome = import_targets(data, 2025, replace=True)
    assert outcome.result.indicators_removed == 1
    assert not Indicator.objects.filter(name="购置办公软件数量").exists()


def test_dry_run_writes_nothing(levels):
    outcome = import_targets(TABLE13_XLSX, 2025, dry_run=True)
    assert outcome.result.indicators_created == 90 and outcome.result.dry_run
    assert not Indicator.objects.exists() and not Unit.objects.exists()


def test_review_findings_come_with_the_import(levels):
    findings = import_targets(TABLE13_XLSX, 2025).findings
    assert any("城镇企业职工基本养老保险在职参保人数" in f.message for f in findings)


def test_review_errors_refuse_the_import_when_the_setting_says_so(levels, settings):
    settings.TARGET_REVIEW_BLOCKS_IMPORT = True
    with pytest.raises(ExcelImportError) as info:
        import_targets(TABLE13_XLSX, 2025)
    assert any(m.startswith("第5行 [目标审核]") for m in info.value.messages())
    assert not Indicator.objects.exists()


# ---------------------------------------------------------------- normalizations of docs/targets.md

BASE = ["342601-广元市社会保险事务中心", "测试项目", "10.00", "目标", "产出指标", "数量指标",
        "培训人数", "≥", "95", "%", "90", "正向指标"]


def one_row(**changes):
    row = list(BASE)
    for column, value in changes.items():
        row[HEADER.index(column)] = value
    return [HEADER, row]


@pytest.mark.parametrize("changes, field, expected", [
    *[({"指标性质": s}, "operator", "≥") for s in ("≥", "≧", ">=", "＞＝", "大于等于")],
    *[({"指标性质": s}, "operator", "≤") for s in ("≤", "≦", "<=", "＜＝", "小于等于")],
    *[({"指标性质": s}, "operator", "＞") for s in (">", "＞", "大于")],
    *[({"指标性质": s}, "operator", "＜") for s in ("<", "＜", "小于")],
    *[({"指标性质": s}, "operator", "＝") for s in ("=", "＝", "等于")],
    ({"指标方向性": "正向"}, "direction", "正向指标"),
    ({"指标方向性": "反向", "指标性质": "≤"}, "direction", "反向指标"),
    ({"指标值": "1,183.38", "度量单位": "万元"}, "target_value", Decimal("1183.38")),
    ({"指标值": "95%"}, "target_value", Decimal("95")),
    ({"指标值": "≥95%", "指标性质": ""}, "operator", "≥"),
    ({"指标值": "９５"}, "target_value", Decimal("95")),
    ({"指标值": "5000人次", "度量单位": ""}, "unit", "人次"),
    ({"三级指标": "培训\n人 数"}, "name", "培训人数"),
    ({"项目名称": " 测试\n项目 "}, "project__name", "测试项目"),
    ({"一级指标": "产出 指标", "二级指标": "数量\n指标"}, "level2__name", "数量指标"),
    ({"指标性质": "定性", "指标值": "优秀", "度量单位": ""}, "target_grade", "优"),
])
def test_each_spelling_is_normalized_through_the_importer(levels, changes, field, expected):
    import_targets(csv_bytes(one_row(**changes)), 2025, filename="t.csv")
    assert Indicator.objects.values_list(field, flat=True).get() == expected


# ---------------------------------------------------------------- all or nothing


@pytest.mark.parametrize("changes, column, text", [
    ({"指标性质": "约等于"}, "指标性质", "无法识别“约等于”"),
    ({"指标值": "很多"}, "指标值", "不是数字"),
    ({"指标值": "1,18,3"}, "指标值", "千分位"),
    ({"指标性质": "定性", "指标值": "95"}, "指标值", "优/良/中/差"),
    ({"指标值": "优"}, "指标值", "应为数字"),
    ({"指标值": "≤95", "指标性质": "≥"}, "指标值", "不一致"),
    ({"权重": ""}, "权重", "权重为空"),
    ({"权重": "0"}, "权重", "大于 0"),
    ({"权重": "3.333"}, "权重", "2 位小数"),
    ({"指标方向性": "向上"}, "指标方向性", "无法识别"),
    ({"预算数": "-1"}, "预算数", "负数"),
    ({"单位名称": "没有代码的单位"}, "单位名称", "单位代码-单位名称"),
    ({"三级指标": ""}, "三级指标", "为空"),
    ({"三级指标": "长" * 101}, "三级指标", "100"),
    ({"二级指标": "不存在指标"}, "二级指标", "没有二级指标"),
])
def test_a_bad_row_is_refused_with_its_row_and_column_and_nothing_is_written(
        seeded, changes, column, text):
    before = snapshot()
    rows = tsv_rows()[:4] + one_row(**changes)[1:]
    with pytest.raises(ExcelImportError) as info:
        import_targets(csv_bytes(rows), 2025, filename="bad.csv")
    messages = info.value.messages()
    assert any(m.startswith(f"第5行 [{column}]") and text in m for m in messages), messages
    assert snapshot() == before


def test_every_problem_is_listed_not_only_the_first(levels):
    rows = (one_row() + one_row(指标性质="约等于")[1:] + one_row(权重="x")[1:] + one_row()[1:]
            + one_row(二级指标="不存在指标", 三级指标="其他")[1:])
    with pytest.raises(ExcelImportError) as info:
        import_targets(csv_bytes(rows), 2025)
    assert [m.split(" ")[0:2] for m in info.value.messages()] == [
        ["第3行", "[指标性质]"], ["第4行", "[权重]"], ["第5行", "[三级指标]"],
        ["第6行", "[二级指标]"]]
    assert not Indicator.objects.exists()


def test_bad_files_leave_the_database_unchanged(seeded):
    before = snapshot()
    for data in (b"%PDF-1.4\x00", xlsx([["项目", "金额"]]), xlsx([HEADER[:-2]])):
        with pytest.raises(BadFile):
            import_targets(data, 2025)
    assert snapshot() == before


# ---------------------------------------------------------------- the command


def test_command_imports_and_says_so(levels, capsys):
    call_command("import_targets", str(TABLE13_XLSX), "--year", "2025")
    assert "新增指标 90 个" in capsys.readouterr().out
    call_command("import_targets", str(TABLE13_XLSX), "--year", "2025")
    assert "没有变化" in capsys.readouterr().out


def test_command_dry_run_writes_nothing(levels, capsys):
    call_command("import_targets", str(TABLE13_XLSX), "--year", "2025", "--dry-run")
    assert "试运行" in capsys.readouterr().out and not Indicator.objects.exists()


def test_command_prints_every_problem_and_exits_1(levels, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(one_row(指标性质="约等于") + one_row(权重="x")[1:]))
    with pytest.raises(CommandError) as info:
        call_command("import_targets", str(path), "--year", "2025")
    assert info.value.returncode == 1
    err = capsys.readouterr().err
    assert "第2行 [指标性质]" in err and "第3行 [权重]" in err and "bad.csv" in err


# ---------------------------------------------------------------- the admin


def test_admin_previews_then_confirms(levels, client, superuser):
    client.force_login(superuser)
    url = reverse("admin:performance_indicator_import")
    assert client.get(reverse("admin:performance_indicator_changelist")).status_code == 200
    with TABLE13_XLSX.open("rb") as handle:
        response = client.post(url, {"file": handle, "year": 2025})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.DONE and job.dry_run
    assert not Indicator.objects.exists()
    page = client.get(reverse("admin:performance_importjob_change", args=[job.pk]))
    assert "确认导入" in page.content.decode() and "新增指标 90 个" in page.content.decode()
    client.post(reverse("admin:performance_importjob_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert not job.dry_run and job.status == ImportStatus.DONE
    assert Indicator.objects.count() == 90


def test_admin_shows_every_problem(levels, client, superuser):
    client.force_login(superuser)
    data = csv_bytes(one_row(指标性质="约等于") + one_row(权重="x")[1:])
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(reverse("admin:performance_indicator_import"),
                {"file": SimpleUploadedFile("bad.csv", data), "year": 2025})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    page = client.get(reverse("admin:performance_importjob_change", args=[job.pk])).content.decode()
    assert "第2行 [指标性质]" in page and "第3行 [权重]" in page and "确认导入" not in page


def test_admin_refuses_an_upload_over_the_size_setting(levels, client, superuser, settings):
    settings.EXCEL_MAX_UPLOAD_BYTES = 1024
    client.force_login(superuser)
    with TABLE13_XLSX.open("rb") as handle:
        response = client.post(reverse("admin:performance_indicator_import"),
                               {"file": handle, "year": 2025})
    assert response.status_code == 200 and "超过上限" in response.content.decode()
    assert not ImportJob.objects.exists()
