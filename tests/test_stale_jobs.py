"""Jobs whose worker died (performance.services.stale_jobs): a running import or zip without a
heartbeat for JOB_STALE_MINUTES, or one never started, is marked failed with a message; jobs
beat as they go; a failed import is retried by its uploader or an administrator, a failed
zip from its page."""

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from performance import tasks
from performance.excel import jobs
from performance.models import ImportJob, ImportKind, ImportStatus, ReportJob, ReportJobStatus
from performance.reports import jobs as report_jobs
from performance.services.stale_jobs import fail_stale_jobs
from performance.tasks import build_report_zip
from performance.tasks import fail_stale_jobs as fail_stale_jobs_task
from tests.entry_setup import make_team
from tests.excel_files import xlsx
from tests.factories import ImportJobFactory
from tests.test_uploads_service import HEADERS

pytestmark = pytest.mark.django_db
START = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.JOB_STALE_MINUTES = 15


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "send_at_once",
                        lambda task, job_id: calls.append(job_id) if task is build_report_zip
                        else pytest.fail(f"unexpected task {task}"))
    return calls


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def filled(team, values=(1, 2, 3), name="自评表.xlsx"):
    rows = [HEADERS] + [
        [f"{team.unit.code}-{team.unit.name}", team.project.name, ind.level1.name,
         ind.level2.name, ind.name, value, None, 95]
        for ind, value in zip(team.indicators, values, strict=True)]
    return SimpleUploadedFile(name, xlsx(rows))


def test_a_running_import_silent_for_the_limit_is_failed_and_a_beating_one_is_not():
    with time_machine.travel(START, tick=False):
        silent = ImportJobFactory(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())
        beating = ImportJobFactory(status=ImportStatus.RUNNING, heartbeat_at=timezone.now())
        done = ImportJobFactory(status=ImportStatus.DONE, heartbeat_at=timezone.now())
    with time_machine.travel(START + datetime.timedelta(minutes=10), tick=False):
        ImportJob.objects.filter(pk=beating.pk).update(heartbeat_at=timezone.now())
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        counts = fail_stale_jobs()
    assert counts["imports_running"] == 1
    for job in (silent, beating, done):
        job.refresh_from_db()
    assert silent.status == ImportStatus.FAILED
    assert silent.errors == ["任务中断（超过 15 分钟无响应），请重试。"]
    assert beating.status == ImportStatus.RUNNING and done.status == ImportStatus.DONE


def test_an_import_never_started_is_failed_after_the_limit():
    with time_machine.travel(START, tick=False):
        waiting = ImportJobFactory(status=ImportStatus.PENDING)
    with time_machine.travel(START + datetime.timedelta(minutes=14), tick=False):
        assert fail_stale_jobs()["imports_pending"] == 0
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        assert fail_stale_jobs_task()["imports_pending"] == 1  # the beat's task
    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.FAILED and "任务未能开始" in waiting.errors[0]


def test_a_failed_stale_job_is_not_run_by_a_late_task(team):
    from performance.tasks import run_import_job

    job = ImportJobFactory(status=ImportStatus.FAILED, created_by=team.filler)
    assert run_import_job(job.pk) is None


def test_a_running_zip_silent_for_the_limit_is_failed(team):
    with time_machine.travel(START, tick=False):
        running = ReportJob.objects.create(unit=team.unit, period=team.period, total=2,
                                           status=ReportJobStatus.RUNNING,
                                           heartbeat_at=timezone.now())
        queued = ReportJob.objects.create(unit=team.unit, period=team.period, total=2)
    with time_machine.travel(START + datetime.timedelta(minutes=16), tick=False):
        counts = fail_stale_jobs()
    assert counts["zips_running"] == 1 and counts["zips_queued"] == 1
    running.refresh_from_db()
    queued.refresh_from_db()
    assert running.status == ReportJobStatus.FAILED
    assert running.error == "任务中断（超过 15 分钟无响应），请重试。"
    assert queued.status == ReportJobStatus.FAILED


def test_an_import_beats_its_heartbeat_at_each_stage(team, monkeypatch):
    beats = []
    original = jobs._update

    def spy(job, **fields):
        if "heartbeat_at" in fields:
            beats.append(fields.get("progress"))
        original(job, **fields)

    monkeypatch.setattr(jobs, "_update", spy)
    job = jobs.create_job(filled(team), kind=ImportKind.ACTUALS, user=team.filler,
                          period=team.period, dry_run=False)
    jobs.run_job(job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.heartbeat_at is not None
    assert beats[0] == 0 and {30, 50, 60, 100} <= set(beats)


def test_a_zip_beats_per_report(team, sent, monkeypatch):
    beats = []
    job = report_jobs.start_zip(team.unit, team.period, team.filler)
    monkeypatch.setattr(report_jobs.render, "render_self_evaluation",
                        lambda project, period: beats.append(
                            ReportJob.objects.get(pk=job.pk).heartbeat_at) or b"docx")
    with time_machine.travel(START, tick=False):
        report_jobs.build_zip(job.pk)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.DONE and job.heartbeat_at == START
    assert beats == [START]  # the claim beats before the first report


def test_the_uploader_retries_a_failed_upload_from_its_page(team):
    client = as_user(team.filler)
    with time_machine.travel(START, tick=False):
        job = jobs.create_job(filled(team), kind=ImportKind.ACTUALS, user=team.filler,
                              period=team.period, units=[team.unit.code], dry_run=False)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.RUNNING, heartbeat_at=timezone.now())
    with time_machine.travel(START + datetime.timedelta(minutes=20), tick=False):
        fail_stale_jobs()
        status = reverse("entry:upload_status", args=[job.pk])
        page = client.get(status).content.decode()
        assert "任务中断" in page and "重试导入" in page
        response = client.post(reverse("entry:upload_retry", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == status
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.errors == [] and job.error_count == 0


def test_someone_else_may_not_retry_an_upload(team):
    job = ImportJobFactory(status=ImportStatus.FAILED, created_by=team.filler,
                           errors=["x"], period=team.period)
    page = as_user(team.finance).get(reverse("entry:upload_status", args=[job.pk]))
    assert "重试导入" not in page.content.decode()
    response = as_user(team.finance).post(reverse("entry:upload_retry", args=[job.pk]))
    assert response.status_code == 403
    assert as_user(team.outsider).post(
        reverse("entry:upload_retry", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_a_job_that_has_not_failed_is_not_retried(team):
    job = ImportJobFactory(status=ImportStatus.DONE, created_by=team.filler, period=team.period)
    with pytest.raises(ValueError, match="只有失败的导入任务可以重试"):
        jobs.retry(job)


def test_an_administrator_retries_failed_jobs_from_the_list(team, admin_user):
    job = jobs.create_job(filled(team), kind=ImportKind.ACTUALS, user=team.filler,
                          period=team.period, dry_run=False)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, errors=["中断"])
    response = as_user(admin_user).post(reverse("admin:performance_importjob_changelist"), {
        "action": "retry_failed", "_selected_action": [job.pk]})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_an_administrator_retries_a_failed_job_from_its_page(team, admin_user):
    job = jobs.create_job(filled(team), kind=ImportKind.ACTUALS, user=team.filler,
                          period=team.period, dry_run=False)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, errors=["中断"])
    client = as_user(admin_user)
    page = client.get(reverse("admin:performance_importjob_change", args=[job.pk]))
    assert "重试（用同一文件重新导入）" in page.content.decode()
    client.post(reverse("admin:performance_importjob_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_a_failed_zip_is_retried_from_its_page(team, sent, django_capture_on_commit_callbacks):
    job = ReportJob.objects.create(unit=team.unit, period=team.period, total=2,
                                   status=ReportJobStatus.FAILED, error="任务中断")
    client = as_user(team.filler)
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert 'id="job-retry"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:job_retry", args=[job.pk]))
    assert response.status_code == 302 and sent == [job.pk]
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED and job.error == "" and job.done == 0
    assert as_user(team.outsider).post(
        reverse("reports:job_retry", args=[job.pk])).status_code == 404
