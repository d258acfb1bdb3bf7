"""The admin lists report zip jobs with their progress and links a finished zip to the page
that checks access (never a storage URL); nothing is written there."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from performance.models import ReportJob, ReportJobStatus
from tests.factories import PeriodFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    job = ReportJob.objects.create(unit=UnitFactory(), period=PeriodFactory(),
                                   status=ReportJobStatus.DONE, total=3, done=3)
    job.file.save("reports.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18))
    return job


def test_the_jobs_are_listed_with_their_progress(admin_client, job):
    page = admin_client.get(reverse("admin:performance_reportjob_changelist")).content.decode()
    assert job.unit.code in page and "3/3" in page


def test_a_finished_job_links_its_zip_through_the_access_checked_page(admin_client, job):
    page = admin_client.get(reverse("admin:performance_reportjob_change", args=[job.pk]))
    body = page.content.decode()
    assert reverse("reports:job_download", args=[job.pk]) in body
    assert job.file.name not in body


def test_jobs_cannot_be_added_or_deleted_in_the_admin(admin_client, job):
    assert admin_client.get(reverse("admin:performance_reportjob_add")).status_code == 403
    assert admin_client.get(
        reverse("admin:performance_reportjob_delete", args=[job.pk])).status_code == 403
