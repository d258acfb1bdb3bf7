"""Every import ends: inputs that once gave a 500 and left the job "running" (`1e308`, a
40-digit number, a CSV field over 128 KB, any unexpected error) end the job failed with a
message naming the row and the column; the upload page answers with it. Each finished import
is a security event."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent, SecurityEventKind
from performance.excel import jobs
from performance.excel.values import decimal_in
from performance.models import ImportJob, ImportKind, ImportStatus, IndicatorRecord
from performance.normalize import parse_target
from tests.entry_setup import make_team
from tests.excel_files import csv_bytes, xlsx
from tests.test_uploads_service import HEADERS

pytestmark = pytest.mark.django_db
UPLOAD = reverse("entry:upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def team():
    return make_team()


def rows(team, values) -> list[list]:
    return [HEADERS] + [
        [f"{team.unit.code}-{team.unit.name}", team.project.name, ind.level1.name,
         ind.level2.name, ind.name, value, None, 95]
        for ind, value in zip(team.indicators, values, strict=True)]


def post(team, upload):
    client = Client()
    client.force_login(team.filler)
    response = client.post(UPLOAD, {"period": team.period.code, "file": upload})
    return client, response


def run(team, upload) -> ImportJob:
    job = jobs.create_job(upload, kind=ImportKind.ACTUALS, user=team.filler, period=team.period,
                          units=[team.unit.code], dry_run=False)
    jobs.run_job(job)
    job.refresh_from_db()
    return job


BIG = [1e308, -1e308, 10**40, "1234567890123456789012345678901234567890"]


@pytest.mark.parametrize("value", BIG, ids=["1e308", "-1e308", "40-digit int", "40-digit text"])
def test_a_number_out_of_range_fails_the_job_naming_row_and_column(team, value):
    job = run(team, SimpleUploadedFile("大数.xlsx", xlsx(rows(team, [1, value, 3]))))
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.errors[1].startswith("第3行 [实际完成值] ")
    assert "数值超出范围" in job.errors[1]
    assert not IndicatorRecord.objects.exists()


def test_1e308_on_the_upload_page_is_a_message_not_a_500(team):
    client, response = post(team, SimpleUploadedFile("大数.xlsx", xlsx(rows(team, [1e308, 2, 3]))))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.FAILED
    page = client.get(reverse("entry:upload_status", args=[job.pk])).content.decode()
    assert "第2行 [实际完成值]" in page and "数值超出范围" in page


def test_a_40_digit_number_on_the_upload_page_is_a_message_not_a_500(team):
    client, response = post(team, SimpleUploadedFile("大数.xlsx",
                                                     xlsx(rows(team, [1, 2, 10**40]))))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.FAILED
    assert "第4行 [实际完成值]" in job.errors[1] and "数值超出范围" in job.errors[1]


def test_a_csv_field_over_128_kb_names_its_row(team):
    data = rows(team, [1, 2, 3])
    data[2][6] = "长" * 140_000  # 未完成原因: over the csv module's 131,072 characters
    client, response = post(team, SimpleUploadedFile("长.csv", csv_bytes(data)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.FAILED
    assert job.errors[1] == "“长.csv”：第3行有单元格超过 128 KB 的上限，无法读取（常见原因：引号未闭合）"


def test_a_csv_with_a_quote_never_closed_names_its_row_in_a_job(team):
    text = "\n".join(",".join(str(c) for c in row) for row in rows(team, [1, 2, 3]))
    text += '\n"' + "x" * 140_000
    job = run(team, SimpleUploadedFile("引号.csv", text.encode()))
    assert job.status == ImportStatus.FAILED and "第5行有单元格超过 128 KB" in job.errors[1]


def test_an_unexpected_error_fails_the_job_with_a_message(team, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(jobs, "import_actuals", broken)
    client, response = post(team, SimpleUploadedFile("a.xlsx", xlsx(rows(team, [1, 2, 3]))))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.errors == ["导入失败：内部错误（ZeroDivisionError）。请联系管理员。"]
    assert any(r.exc_info and "import job" in r.getMessage() for r in caplog.records)
    page = client.get(reverse("entry:upload_status", args=[job.pk])).content.decode()
    assert "导入失败：内部错误（ZeroDivisionError）。请联系管理员。" in page


def test_a_targets_job_that_breaks_fails_too(monkeypatch, admin_user):
    def broken(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr(jobs, "import_targets", broken)
    job = jobs.create_job(SimpleUploadedFile("t.xlsx", b"x"), kind=ImportKind.TARGETS,
                          user=admin_user, year=2025)
    jobs.run_job(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "内部错误（KeyError）" in job.errors[0]


def test_each_finished_import_is_an_audit_event(team):
    done = run(team, SimpleUploadedFile("好.xlsx", xlsx(rows(team, [1, 2, 3]))))
    failed = run(team, SimpleUploadedFile("坏.xlsx", xlsx(rows(team, [1e308, 2, 3]))))
    assert done.status == ImportStatus.DONE and failed.status == ImportStatus.FAILED
    events = list(SecurityEvent.objects.filter(kind=SecurityEventKind.IMPORT).order_by("pk"))
    assert [(e.user, e.target) for e in events] == [(team.filler, "好.xlsx"),
                                                    (team.filler, "坏.xlsx")]
    assert "已完成" in events[0].detail and "读取 3 行" in events[0].detail
    assert "失败" in events[1].detail


def test_decimal_in_bounds_every_number_before_rounding():
    with pytest.raises(ValueError, match="数值超出范围"):
        decimal_in(1e308, places=4, max_digits=18)
    with pytest.raises(ValueError, match="数值超出范围"):
        decimal_in(Decimal(10) ** 40, places=2, max_digits=14)
    with pytest.raises(ValueError, match="数值超出范围"):
        decimal_in("9" * 100, places=4, max_digits=18)
    assert decimal_in("99999999999999.9999", places=4, max_digits=18) == Decimal(
        "99999999999999.9999")


def test_a_target_cell_longer_than_any_number_is_refused_short():
    parsed = parse_target("1" * 10_000)
    assert parsed.error.startswith("指标值“1111") and "数值超出范围" in parsed.error
    assert len(parsed.error) < 120
