"""performance.services.uploads: actuals uploaded by a filler write only their units, through
the one write path (history rows with the channel Excel 上传, snapshots refreshed); large files
run in a Celery task."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from performance.models import ImportStatus, IndicatorRecord, ProjectRecord
from performance.services.entry import EntryRefused
from performance.services.history import project_history
from performance.services.uploads import start_upload
from performance.tasks import run_import_job
from tests.entry_setup import lock, make_team
from tests.excel_files import xlsx

pytestmark = pytest.mark.django_db
HEADERS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "全年实际完成值",
           "未完成原因", "预算执行数"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def team():
    return make_team()


def upload_file(*teams_values, name="自评表.xlsx"):
    rows = [HEADERS]
    for team, values in teams_values:
        for ind, value in zip(team.indicators, values, strict=True):
            rows.append([f"{team.unit.code}-{team.unit.name}", team.project.name,
                         ind.level1.name, ind.level2.name, ind.name, value, None, 95])
    return SimpleUploadedFile(name, xlsx(rows, title_rows=["2025 年度项目支出绩效自评表"]))


def test_an_upload_writes_the_values_and_records_their_history(team):
    job = start_upload(upload_file((team, [100, 90, 80])), team.period, team.filler)
    assert job.status == ImportStatus.DONE, job.errors
    assert sorted(IndicatorRecord.objects.values_list("actual_value", flat=True)) == [80, 90, 100]
    for record in IndicatorRecord.objects.all():
        (row,) = record.history.all()
        assert row.history_user == team.filler and row.history_type == "+"
        assert row.history_change_reason == "Excel 导入：自评表.xlsx"
        assert row.history_channel == "upload"
    assert ProjectRecord.objects.get(project=team.project).history.count() == 1
    entries = project_history(team.project, team.period, team.indicators)
    assert {e.action for e in entries} == {"Excel 导入：自评表.xlsx"}
    assert {e.channel for e in entries} == {"Excel 上传"}


def test_a_second_upload_records_only_what_changed(team):
    start_upload(upload_file((team, [100, 90, 80])), team.period, team.filler)
    job = start_upload(upload_file((team, [100, 90, 85]), name="第二版.xlsx"), team.period,
                       team.filler)
    assert job.status == ImportStatus.DONE
    changed = IndicatorRecord.objects.get(indicator=team.indicators[2])
    latest = changed.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_change_reason == "Excel 导入：第二版.xlsx"
    assert latest.prev_record.actual_value == 80 and latest.actual_value == 85
    assert IndicatorRecord.objects.get(indicator=team.indicators[0]).history.count() == 1


def test_an_upload_refreshes_the_snapshots_of_its_projects(team):
    start_upload(upload_file((team, [100, 100, 100])), team.period, team.filler)
    record = ProjectRecord.objects.get(project=team.project)
    assert record.computed_at is not None and record.score_total == Decimal("99.50")


def test_rows_of_a_unit_the_user_does_not_fill_in_refuse_the_whole_file(team):
    other = make_team()
    job = start_upload(upload_file((team, [1, 2, 3]), (other, [4, 5, 6])), team.period,
                       team.filler)
    assert job.status == ImportStatus.FAILED
    assert any(other.unit.code in error for error in job.errors)
    assert not IndicatorRecord.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_only_fillers_upload(team, who):
    with pytest.raises(PermissionDenied):
        start_upload(upload_file((team, [1, 2, 3])), team.period, getattr(team, who))


def test_a_locked_period_refuses_an_upload(team):
    lock(team.period, team.finance)
    with pytest.raises(EntryRefused, match="锁定"):
        start_upload(upload_file((team, [1, 2, 3])), team.period, team.filler)


def test_a_large_file_is_imported_by_a_celery_task_after_the_commit(
        team, settings, django_capture_on_commit_callbacks):
    settings.EXCEL_ASYNC_THRESHOLD_BYTES = 10
    with mock.patch("performance.tasks.send_at_once") as send:
        with django_capture_on_commit_callbacks(execute=True):
            job = start_upload(upload_file((team, [1, 2, 3])), team.period, team.filler)
    assert job.status == ImportStatus.PENDING
    send.assert_called_once_with(run_import_job, job.pk)
    assert run_import_job(job.pk) == ImportStatus.DONE  # what the worker runs
    assert IndicatorRecord.objects.count() == 3
    assert all(r.history.count() == 1 for r in IndicatorRecord.objects.all())
