"""An upload while the Celery broker cannot be reached (CELERY_BROKER_URL at a closed port): a
file up to UPLOAD_INLINE_MAX_BYTES is imported in the request; a larger one fails at once with
“请稍后再试”. Never a 500, never a job left pending or running, and no waiting on retries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from performance.excel import jobs
from performance.models import ImportJob, ImportStatus, IndicatorRecord
from tests.broker import unreachable_broker
from tests.entry_setup import make_team
from tests.excel_files import xlsx
from tests.test_uploads_service import HEADERS

pytestmark = pytest.mark.django_db
UPLOAD = reverse("entry:upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.EXCEL_ASYNC_THRESHOLD_BYTES = 10  # every test file goes to Celery


@pytest.fixture
def no_broker(monkeypatch):
    with unreachable_broker(monkeypatch):
        yield


@pytest.fixture
def team():
    return make_team()


def filled(team):
    rows = [HEADERS] + [
        [f"{team.unit.code}-{team.unit.name}", team.project.name, ind.level1.name,
         ind.level2.name, ind.name, value, None, 95]
        for ind, value in zip(team.indicators, (100, 90, 80), strict=True)]
    return SimpleUploadedFile("自评表.xlsx", xlsx(rows))


def upload(team, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(team.filler)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD, {"period": team.period.code, "file": filled(team)})
    return client, response


def test_a_small_upload_is_imported_in_the_request(team, no_broker,
                                                   django_capture_on_commit_callbacks):
    client, response = upload(team, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "entry:upload_status", args=[job.pk])
    assert job.status == ImportStatus.DONE, job.errors
    assert IndicatorRecord.objects.count() == 3


def test_a_large_upload_fails_at_once_asking_to_try_later(team, no_broker, settings,
                                                          django_capture_on_commit_callbacks):
    settings.UPLOAD_INLINE_MAX_BYTES = 10
    client, response = upload(team, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.errors == [jobs.BROKER_DOWN]
    page = client.get(response["Location"]).content.decode()
    assert "后台任务服务暂时不可用，文件较大无法立即处理，请稍后再试。" in page
    assert not IndicatorRecord.objects.exists()


def test_sending_tries_the_broker_once_without_retrying(monkeypatch, no_broker, team):
    from kombu import Connection

    attempts = []
    original = Connection.ensure_connection

    def counted(self, *args, **kwargs):
        attempts.append(kwargs.get("max_retries"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "ensure_connection", counted)
    job = jobs.create_job(filled(team), kind="actuals", user=team.filler, period=team.period,
                          dry_run=False)
    jobs.enqueue(job.pk)
    job.refresh_from_db()
    assert attempts == [0] and job.status == ImportStatus.DONE
