"""Bounded work per import (docs/limits.md): a sheet over IMPORT_MAX_ROWS is refused before its
rows are built, in bounded memory; at most IMPORT_MAX_ERRORS problems are kept and the rest
counted; the status pages list the problems 50 a page and say how many were not kept."""

import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from performance.excel import jobs
from performance.excel.errors import ExcelImportError, Problem, ProblemLog
from performance.excel.layouts import ACTUALS
from performance.excel.reader import Limits, read_table
from performance.models import ImportJob, ImportKind, ImportStatus
from tests.entry_setup import make_team
from tests.excel_files import SHEET_NS, TABLE13_XLS, csv_bytes, streamed_xlsx, xlsx
from tests.test_uploads_service import HEADERS

pytestmark = pytest.mark.django_db
UPLOAD = reverse("entry:upload")
LAST_ROW = 1_048_576


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def team():
    return make_team()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def every_row_filled(rows: int = LAST_ROW) -> bytes:
    """An .xlsx of the 自评表's header and a value on every row down to `rows`: the sheet's XML
    written straight into the zip (~10 MB compressed, the size of the file in the finding)."""

    def write(sheet):
        sheet.write(f'<worksheet {SHEET_NS}><dimension ref="A1:F{rows}"/><sheetData>'.encode())
        header = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
                         for col, name in zip("ABCDEF", HEADERS, strict=False))
        sheet.write(f'<row r="1">{header}</row>'.encode())
        for start in range(2, rows + 1, 10_000):
            sheet.write(b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c><c r="F%d"><v>%d</v></c></row>'
                % (r, r, r, r) for r in range(start, min(start + 10_000, rows + 1))))
        sheet.write(b"</sheetData></worksheet>")

    return streamed_xlsx("自评表", write)


def actuals_rows(team, count: int, *, unit: str | None = None) -> list[list]:
    ind = team.indicators[0]
    return [[unit or f"{team.unit.code}-{team.unit.name}", team.project.name, ind.level1.name,
             ind.level2.name, ind.name, 1, None, 95] for _ in range(count)]


# ---------------------------------------------------------------- rows


def test_a_million_row_workbook_is_refused_before_parsing_in_bounded_memory(team):
    data = every_row_filled()
    job = jobs.create_job(SimpleUploadedFile("百万行.xlsx", data), kind=ImportKind.ACTUALS,
                          user=team.filler, period=team.period, units=[team.unit.code],
                          dry_run=False)
    tracemalloc.start()
    try:
        jobs.run_job(job)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.error_count == 1
    assert job.errors == ["无法导入，未写入任何数据：",
                          f"“百万行.xlsx”：第 1 张工作表“自评表”有 {LAST_ROW} 行，超过上限 200000 行；"
                          "请拆分后分批导入。"]
    assert peak < 50 * 2**20


def test_a_workbook_at_the_row_limit_is_read(settings):
    rows = [HEADERS, *[["342601-某单位", "项目", "一", "二", f"指标{i}", i, None, 1]
                       for i in range(9)]]
    table = read_table(xlsx(rows), ACTUALS, limits=Limits(max_rows=10))
    assert len(table.rows) == 9


def test_the_row_count_skips_rows_only_formatted():
    from tests.excel_files import formatted_to_last_row

    rows = [HEADERS, ["342601-某单位", "项目", "一", "二", "指标", 1, None, 1]]
    table = read_table(formatted_to_last_row(rows), ACTUALS, limits=Limits(max_rows=5))
    assert len(table.rows) == 1


def test_a_second_sheet_over_the_limit_is_named_by_its_position():
    from openpyxl import Workbook

    from tests.excel_files import save

    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["本表说明"])
    sheet = workbook.create_sheet("自评表")
    for row in [HEADERS, *[["342601-某单位", "项目", "一", "二", f"指标{i}", i, None, 1]
                           for i in range(20)]]:
        sheet.append(row)
    with pytest.raises(ExcelImportError) as refused:
        read_table(save(workbook), ACTUALS, filename="两表.xlsx", limits=Limits(max_rows=10))
    assert refused.value.messages() == [
        "“两表.xlsx”：第 2 张工作表“自评表”有 21 行，超过上限 10 行；请拆分后分批导入。"]


def test_an_xls_over_the_limit_is_refused():
    with pytest.raises(ExcelImportError) as refused:
        read_table(TABLE13_XLS, ACTUALS, limits=Limits(max_rows=10))
    assert "超过上限 10 行；请拆分后分批导入。" in refused.value.messages()[0]


def test_a_csv_over_the_limit_is_refused_before_its_rows_are_built():
    data = csv_bytes([HEADERS, *[["342601-某单位", "项目", "一", "二", f"指标{i}", i, "", 1]
                                 for i in range(30)]])
    with pytest.raises(ExcelImportError) as refused:
        read_table(data, ACTUALS, filename="a.csv", limits=Limits(max_rows=10))
    assert refused.value.messages() == ["“a.csv”：CSV 文件有 31 行，超过上限 10 行；请拆分后分批导入。"]


# ---------------------------------------------------------------- problems kept


def test_a_problem_log_keeps_the_first_and_counts_them_all():
    log = ProblemLog(keep=3)
    log.extend(Problem(row, "三级指标", "x") for row in range(1, 1001))
    assert len(log) == 1000 and [p.row for p in log] == [1, 2, 3]
    error = ExcelImportError(log, "f.xlsx")
    assert error.total == 1000 and error.omitted == 997 and len(error.messages()) == 3
    assert error.headline() == "“f.xlsx”有 1000 处问题，未导入任何数据："


def test_a_job_keeps_at_most_the_setting_and_counts_the_rest(team, settings):
    settings.IMPORT_MAX_ERRORS = 120
    data = xlsx([HEADERS, *actuals_rows(team, 300, unit="999999-不存在的单位")])
    job = jobs.create_job(SimpleUploadedFile("错.xlsx", data), kind=ImportKind.ACTUALS,
                          user=team.filler, period=team.period, units=[team.unit.code],
                          dry_run=False)
    jobs.run_job(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error_count == 300 and len(job.errors) == 121
    assert job.errors[0] == "“错.xlsx”有 300 处问题，未导入任何数据："
    assert job.errors[1] == "第2行 [单位名称] 找不到单位“999999-不存在的单位”"
    assert jobs.omitted(job) == 180


def test_the_upload_page_lists_50_problems_a_page_and_counts_the_rest(team, settings):
    settings.IMPORT_MAX_ERRORS = 120
    client = as_user(team.filler)
    data = xlsx([HEADERS, *actuals_rows(team, 300, unit="999999-不存在的单位")])
    response = client.post(UPLOAD, {"period": team.period.code,
                                    "file": SimpleUploadedFile("错.xlsx", data)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.FAILED
    status = reverse("entry:upload_status", args=[job.pk])
    first = client.get(status)
    assert len(first.context["page"].object_list) == 50
    page = first.content.decode()
    assert "第2行 [单位名称]" in page and "第52行 [单位名称]" not in page
    assert "另有 180 条问题未显示" in page and "?page=2" in page
    last = client.get(status, {"page": 3})
    assert len(last.context["page"].object_list) == 20
    assert "第121行 [单位名称]" in last.content.decode()


def test_the_admin_job_page_lists_50_problems_a_page(team, settings, admin_user):
    settings.IMPORT_MAX_ERRORS = 60
    data = xlsx([HEADERS, *actuals_rows(team, 70, unit="999999-不存在的单位")])
    job = jobs.create_job(SimpleUploadedFile("错.xlsx", data), kind=ImportKind.ACTUALS,
                          user=admin_user, period=team.period)
    jobs.run_job(job)
    url = reverse("admin:performance_importjob_change", args=[job.pk])
    client = as_user(admin_user)
    page = client.get(url).content.decode()
    assert page.count("[单位名称]") == 50 and "另有 10 条问题未显示" in page
    assert "共 70 处" in page and "?page=2" in page
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("[单位名称]") == 10
