"""import_document and the admin upload: 表13 from the published document (PDF or its text)
through the checks, the review and the one writer; never a guessed value."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Project, Unit
from performance.excel.document_import import import_document, read_document
from performance.excel.errors import ExcelImportError
from performance.excel.targets_import import import_targets, read_targets
from performance.models import ImportJob, Indicator
from performance.seed import add_local_levels
from tests.excel_files import TABLE13_XLSX
from tests.factories import UserFactory
from tests.test_document_rows import BROKEN_LINE, SEED_TEXT, seed_text, without_source
from tests.test_import_targets import snapshot, stored_rows, tsv_target_rows

pytestmark = pytest.mark.django_db
AUDIT = "社会保险委托稽核和基金管理专项经费"
IMPORT_URL = "admin:performance_indicator_import_document"
EXPORT_URL = "admin:performance_indicator_export_document"


@pytest.fixture
def levels(db):
    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})


@pytest.fixture
def clean_text(tmp_path):
    path = tmp_path / "表13-clean.txt"
    path.write_text(seed_text(fixed=True), encoding="utf-8")
    return path


def nothing_written():
    return not (Unit.objects.exists() or Project.objects.exists() or Indicator.objects.exists())


def run(*args):
    call_command("import_document", *map(str, args))


# ---------------------------------------------------------------- the command

@pytest.mark.parametrize("dry_run", [["--dry-run"], []])
def test_seed_text_is_refused_with_the_lost_row_and_the_weight_total(levels, capsys, dry_run):
    with pytest.raises(CommandError) as info:
        run(SEED_TEXT, "--year", 2025, *dry_run)
    assert info.value.returncode == 1
    out, err = capsys.readouterr()
    assert "表13 读到 7 个项目、90 个指标" in out
    (lost,) = [line for line in err.splitlines() if line.startswith(f"第{BROKEN_LINE}行")]
    assert "（原文：满意度指标 | 满意度指标 | 参保对象满意度 | ≥ | 98）[错误]" in lost
    assert "缺少度量单位、权重、指标方向性" in lost
    (total,) = [line for line in err.splitlines() if f"项目“{AUDIT}”的指标权重合计为80" in line]
    assert total.startswith("第595行（原文：342601-广元市社会") and "应为90" in total
    assert "--export" in err and "import_targets" in err
    assert nothing_written()


def test_a_clean_text_writes_the_seven_projects_of_the_transcription(levels, clean_text, capsys):
    run(clean_text, "--year", 2025)
    out = capsys.readouterr().out
    assert "新增项目 7 个" in out and "新增指标 90 个" in out and "导入完成" in out
    assert Project.objects.count() == 7 and Indicator.objects.count() == 90
    assert stored_rows() == tsv_target_rows()
    assert Indicator.objects.filter(name="购置多功能打印机数量", source_row=521).exists()
    before = snapshot()
    run(clean_text, "--year", 2025)
    assert "没有变化" in capsys.readouterr().out and snapshot() == before


def test_a_clean_text_equals_the_excel_import(levels, clean_text):
    import_targets(TABLE13_XLSX, 2025)
    before = snapshot()
    outcome = import_document(read_document(clean_text), 2025)
    assert not outcome.result.changed and outcome.result.indicators_unchanged == 90
    assert snapshot() == before


def test_dry_run_of_a_clean_text_writes_nothing(levels, clean_text, capsys):
    run(clean_text, "--year", 2025, "--dry-run")
    out = capsys.readouterr().out
    assert "新增指标 90 个" in out and "试运行" in out and nothing_written()


def test_warnings_are_shown_with_their_source_line(levels, clean_text, capsys):
    run(clean_text, "--year", 2025, "--dry-run")
    out = capsys.readouterr().out
    assert "解析提示（1 项）" in out
    assert "第545行（原文：险参保人数）[提示] 三级指标续行" in out


def test_gb18030_text_is_read(levels, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(seed_text(fixed=True).encode("gb18030"))
    outcome = import_document(read_document(path), 2025, dry_run=True)
    assert outcome.result.indicators_created == 90


def test_unknown_level_is_reported_with_the_parser_errors(clean_text, capsys):
    # without the local 二级指标 帮扶对象满意度指标 the writer's check speaks too
    with pytest.raises(CommandError):
        run(SEED_TEXT, "--year", 2025)
    err = capsys.readouterr().err
    assert "[二级指标] 一级指标“满意度指标”下没有二级指标“帮扶对象满意度指标”" in err
    assert f"第{BROKEN_LINE}行" in err and nothing_written()


def test_a_document_of_another_year_is_refused(levels, clean_text, capsys):
    with pytest.raises(CommandError):
        run(clean_text, "--year", 2024)
    assert "文件标题为 2025 年度，与导入的年度 2024 不一致" in capsys.readouterr().err
    assert nothing_written()


def test_an_excel_file_is_not_a_document(levels, capsys):
    with pytest.raises(CommandError) as info:
        run(TABLE13_XLSX, "--year", 2025)
    assert info.value.returncode == 1
    assert "不是 PDF 或文本文件" in capsys.readouterr().err and nothing_written()


def test_a_damaged_pdf_is_refused(levels, tmp_path, capsys):
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.4\nnot really a pdf")
    with pytest.raises(CommandError):
        run(path, "--year", 2025)
    assert "无法读取 PDF" in capsys.readouterr().err and nothing_written()


def test_a_generated_pdf_imports(levels, tmp_path, capsys):
    pytest.importorskip("pdfplumber")
    pytest.importorskip("reportlab")
    from tests.test_document_pdf import UNIT, _build_pdf

    path = tmp_path / "表13.pdf"
    _build_pdf(path)
    run(path, "--year", 2025)
    assert "新增项目 2 个" in capsys.readouterr().out
    assert Indicator.objects.count() == 7
    land = Indicator.objects.get(name="集体油粮种植数量")
    assert (land.project.unit.code, land.project.name, land.target_value, land.unit,
            land.weight) == (UNIT.split("-")[0], "年金征缴工作经费", 1550, "平方米/公里", 30)
    assert Indicator.objects.get(name="信息化系统后续可拓展性").target_grade == "优"


# ---------------------------------------------------------------- the workbook to check

def test_export_of_a_clean_text_reads_back_to_the_same_rows(levels, clean_text, tmp_path):
    out = tmp_path / "表13.xlsx"
    run(clean_text, "--year", 2025, "--dry-run", "--export", out)
    _, rows, problems = read_targets(out)
    assert problems == []
    assert without_source(rows) == without_source(read_document(clean_text).rows)
    run(clean_text, "--year", 2025)
    assert not import_targets(out, 2025).result.changed


def test_export_of_the_seed_marks_the_lost_cells_and_completed_imports(levels, tmp_path, capsys):
    out = tmp_path / "表13.xlsx"
    with pytest.raises(CommandError):
        run(SEED_TEXT, "--year", 2025, "--export", out)
    assert f"请补全 {out} 中标黄的单元格" in capsys.readouterr().err
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["表13", "解析发现"]
    sheet = workbook["表13"]
    (row,) = [r for r in sheet.iter_rows(min_row=5) if r[6].value == "参保对象满意度"
              and r[8].value == 98]
    assert [c.value for c in row[9:12]] == [None, None, None]
    assert {c.fill.fgColor.rgb[-6:] for c in row[9:12]} == {"FFF2CC"}
    findings = [[c.value for c in r] for r in workbook["解析发现"].iter_rows(min_row=3)]
    assert [BROKEN_LINE, "错误"] == findings[-1][:2] and "98" in findings[-1][3]
    assert any(AUDIT in r[2] and "80" in r[2] for r in findings)

    with pytest.raises(ExcelImportError, match=r"第85行 \[权重\] 权重为空"):
        import_targets(out, 2025)  # the person has not filled them in yet
    for cell, value in zip(row[9:12], ["%", 10, "正向指标"], strict=True):
        cell.value = value
    workbook.save(out)
    import_targets(out, 2025)
    assert stored_rows() == tsv_target_rows()


# ---------------------------------------------------------------- the admin

def upload(client, path, **data):
    with open(path, "rb") as handle:
        return client.post(reverse(IMPORT_URL),
                           {"file": SimpleUploadedFile(path.name, handle.read()),
                            "year": 2025, **data})


def token_of(page: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def test_admin_changelist_links_to_the_document_upload(levels, client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:performance_indicator_changelist")).content.decode()
    assert reverse(IMPORT_URL) in page and "从预算文件导入" in page
    assert client.get(reverse(IMPORT_URL)).status_code == 200


def test_admin_shows_the_findings_and_offers_no_confirm(levels, client, superuser):
    client.force_login(superuser)
    response = upload(client, SEED_TEXT)
    page = response.content.decode()
    assert response.status_code == 200
    assert f"第{BROKEN_LINE}行（原文：满意度指标 | 满意度指标 | 参保对象满意度 | ≥ | 98）" in page
    assert "缺少度量单位、权重、指标方向性" in page and f"{AUDIT}”的指标权重合计为80" in page
    assert "确认导入" not in page and nothing_written() and not ImportJob.objects.exists()
    export = client.post(reverse(EXPORT_URL), {"token": token_of(page)})
    assert export.status_code == 200 and "attachment" in export["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(export.content))
    assert workbook.sheetnames == ["表13", "解析发现"]


def test_admin_previews_a_clean_file_then_writes_after_confirm(levels, client, superuser,
                                                                clean_text):
    client.force_login(superuser)
    page = upload(client, clean_text).content.decode()
    assert "预览通过（未写入）" in page and "新增指标 90 个" in page and "确认导入" in page
    assert nothing_written()
    assert client.get(reverse(IMPORT_URL), {"token": token_of(page)}).status_code == 200
    assert nothing_written()  # a GET never writes
    done = client.post(reverse(IMPORT_URL), {"token": token_of(page), "confirm": "1"})
    assert "导入完成" in done.content.decode()
    assert stored_rows() == tsv_target_rows()
    again = client.post(reverse(IMPORT_URL), {"token": token_of(page), "confirm": "1"})
    assert "没有变化" in again.content.decode()


def test_admin_imports_a_pdf(levels, client, superuser, tmp_path):
    pytest.importorskip("pdfplumber")
    pytest.importorskip("reportlab")
    from tests.test_document_pdf import _build_pdf

    path = tmp_path / "budget.pdf"
    _build_pdf(path)
    client.force_login(superuser)
    page = upload(client, path).content.decode()
    assert "新增指标 7 个" in page
    client.post(reverse(IMPORT_URL), {"token": token_of(page)})
    assert Indicator.objects.count() == 7


def test_admin_refuses_a_tampered_or_foreign_token(levels, client, superuser, clean_text):
    client.force_login(superuser)
    token = token_of(upload(client, clean_text).content.decode())
    response = client.post(reverse(IMPORT_URL), {"token": token[:-2] + "xx"}, follow=True)
    assert "预览数据无效" in response.content.decode() and nothing_written()
    other = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(other)
    assert client.post(reverse(IMPORT_URL), {"token": token}).status_code == 403
    assert nothing_written()


def test_admin_refuses_an_unreadable_file_on_the_form(levels, client, superuser):
    client.force_login(superuser)
    page = upload(client, TABLE13_XLSX).content.decode()
    assert "不是 PDF 或文本文件" in page and "上传并预览" in page


def test_staff_without_permission_cannot_use_it(levels, client, clean_text, superuser):
    client.force_login(superuser)
    token = token_of(upload(client, clean_text).content.decode())
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_indicator"))
    client.force_login(staff)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert upload(client, clean_text).status_code == 403
    assert client.post(reverse(EXPORT_URL), {"token": token}).status_code == 403
    page = client.get(reverse("admin:performance_indicator_changelist")).content.decode()
    assert "从预算文件导入" not in page
    assert nothing_written()
    staff.user_permissions.add(Permission.objects.get(codename="add_indicator"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the instance
    client.force_login(staff)
    page = upload(client, clean_text).content.decode()
    client.post(reverse(IMPORT_URL), {"token": token_of(page)})
    assert Indicator.objects.count() == 90
