"""Lengths are validated before writing, on every channel: a name longer than its column is
refused with its row and column (SQLite would store it, PostgreSQL would refuse it with a 500),
nothing is written; evidence names are cut, their extension kept. DB-agnostic: runs on SQLite
and on PostgreSQL alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from budget.models import Project, Unit
from performance.domain import Direction, Operator, TargetRow
from performance.excel.errors import ExcelImportError
from performance.excel.targets_import import import_targets
from performance.lengths import check_lengths, too_long, truncate_name
from performance.models import Evidence, ImportJob, ImportStatus, Indicator
from performance.seed import add_local_levels
from performance.services.evidence import EvidenceRefused, upload_evidence
from performance.services.targets import TargetsError, apply_targets
from tests import evidence_files as f
from tests.entry_setup import make_team
from tests.excel_files import csv_bytes, tsv_rows, xlsx

pytestmark = pytest.mark.django_db
HEADER = tsv_rows()[0]
BASE = ["342601-广元市社会保险事务中心", "测试项目", "10.00", "目标", "产出指标", "数量指标",
        "培训人数", "≥", "95", "%", "90", "正向指标"]
LONG_PROJECT = "项" * 300


@pytest.fixture
def levels(db):
    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})


def rows_with(**changes):
    row = list(BASE)
    for column, value in changes.items():
        row[HEADER.index(column)] = value
    return [HEADER, list(BASE), row]  # the bad row is the file's 3rd


def nothing_written():
    return not (Unit.objects.exists() or Project.objects.exists() or Indicator.objects.exists())


# ---------------------------------------------------------------- the helper

def test_too_long_reads_the_limit_from_the_model():
    assert too_long(Project, "name", "项" * 200) is None
    assert too_long(Project, "name", LONG_PROJECT) == "长度 300 超过上限 200 个字符"
    assert too_long(Unit, "name", None) is None
    assert too_long(Evidence, "note", "x" * 201) == "长度 201 超过上限 200 个字符"


def test_check_lengths_says_where_and_which_field():
    assert check_lengths(Project, {"name": LONG_PROJECT}, "第 12 行") == [
        "第 12 行 [项目名称]：长度 300 超过上限 200 个字符"]
    assert check_lengths(Unit, {"code": "342601", "name": "单位"}, "第 1 行") == []


def test_truncate_name_keeps_the_extension():
    name = truncate_name("很" * 300 + ".pdf", 200)
    assert len(name) == 200 and name.endswith("….pdf")
    assert truncate_name("短.pdf", 200) == "短.pdf"
    assert len(truncate_name("x" * 300, 200)) == 200


# ---------------------------------------------------------------- 表13 imports

@pytest.mark.parametrize("make", [
    lambda rows: (csv_bytes(rows), "t.csv"),
    lambda rows: (xlsx(rows), "t.xlsx"),
])
@pytest.mark.parametrize("changes, column, length, limit", [
    ({"项目名称": LONG_PROJECT}, "项目名称", 300, 200),
    ({"单位名称": "342601-" + "单" * 101}, "单位名称", 101, 100),
])
def test_a_name_longer_than_its_column_is_refused_with_its_row(levels, make, changes, column,
                                                               length, limit):
    data, name = make(rows_with(**changes))
    with pytest.raises(ExcelImportError) as info:
        import_targets(data, 2025, filename=name)
    assert f"第3行 [{column}] 长度 {length} 超过上限 {limit} 个字符" in info.value.messages()
    assert nothing_written()


def test_the_command_refuses_the_long_name_and_writes_nothing(levels, tmp_path, capsys):
    path = tmp_path / "表13.csv"
    path.write_bytes(csv_bytes(rows_with(项目名称=LONG_PROJECT)))
    with pytest.raises(CommandError):
        call_command("import_targets", str(path), "--year", "2025")
    assert "第3行 [项目名称] 长度 300 超过上限 200 个字符" in capsys.readouterr().err
    assert nothing_written()


def test_the_admin_upload_fails_the_job_with_the_message(levels, client, superuser):
    client.force_login(superuser)
    upload = SimpleUploadedFile("bad.csv", csv_bytes(rows_with(项目名称=LONG_PROJECT)))
    response = client.post(reverse("admin:performance_indicator_import"),
                           {"file": upload, "year": 2025})
    assert response.status_code in (200, 302)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    page = client.get(reverse("admin:performance_importjob_change", args=[job.pk]))
    assert page.status_code == 200
    assert "第3行 [项目名称] 长度 300 超过上限 200 个字符" in page.content.decode()
    assert nothing_written()


def target_row(**changes) -> TargetRow:
    values = dict(unit_code="342601", unit_name="广元市社会保险事务中心", project_name="测试项目",
                  budget=10, goal="目标", level1="产出指标", level2="数量指标", name="培训人数",
                  operator=Operator.GE, target_value=95, target_grade=None, unit="%",
                  weight=90, direction=Direction.POSITIVE, source_row=7)
    return TargetRow(**{**values, **changes})


@pytest.mark.parametrize("changes, column", [
    ({"project_name": LONG_PROJECT}, "项目名称"),
    ({"unit_code": "9" * 21}, "单位代码"),
    ({"name": "指" * 101}, "三级指标"),
    ({"unit": "个" * 31}, "度量单位"),
])
def test_the_one_writer_refuses_long_text_from_any_source(levels, changes, column):
    """The seed, the document import and the Excel import all write through apply_targets."""
    with pytest.raises(TargetsError) as info:
        apply_targets(2025, [target_row(**changes)])
    assert any(str(p).startswith(f"第7行 [{column}] 长度 ") for p in info.value.problems)
    assert nothing_written()


# ---------------------------------------------------------------- evidence

def test_an_evidence_note_too_long_is_refused_before_anything_is_stored():
    team = make_team()
    with pytest.raises(EvidenceRefused) as info:
        upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")],
                        note="说" * 201)
    assert "[说明]：长度 201 超过上限 200 个字符" in str(info.value)
    assert not Evidence.objects.exists()


def test_a_long_evidence_name_is_cut_to_the_column_with_its_extension():
    team = make_team()
    (row,) = upload_evidence(team.project, team.period, team.filler,
                             [f.upload("验" * 300 + ".pdf")])
    row.refresh_from_db()
    assert len(row.name) <= 200 and row.name.endswith(".pdf")
