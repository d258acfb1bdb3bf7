"""The admin of evidence: the list with who and when and a download link through the evidence
view, no add form, deletion (one or many) through the service with history and storage
cleanup; the evidence-required settings on the indicator admins."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import Evidence
from performance.models.evidence import evidence_files
from performance.services.evidence import upload_evidence
from tests import evidence_files as f
from tests.entry_setup import lock, make_team

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:performance_evidence_changelist")


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def admin_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def test_the_list_shows_each_file_with_a_download_link_through_the_view(team, admin_client):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("验收<报告>.pdf")],
                           indicator=team.indicators[0])
    page = admin_client.get(CHANGELIST).content.decode()
    assert "验收&lt;报告&gt;.pdf" in page and "验收<报告>" not in page
    assert reverse("evidence:download", args=[row.pk]) in page
    assert row.file.name not in page  # never the storage's path
    assert f"指标：{team.indicators[0].name}" in page and "张填报" in page
    assert admin_client.get(reverse("evidence:download", args=[row.pk])).status_code == 200


def test_the_list_reads_a_bounded_number_of_queries(team, admin_client):
    for ind in team.indicators:
        upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")], indicator=ind)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    upload_evidence(team.project, team.period, team.filler,
                    [f.upload(f"{n}.pdf") for n in range(8)])
    with CaptureQueriesContext(connection) as more:
        admin_client.get(CHANGELIST)
    assert len(more) == len(few)


def test_there_is_no_add_form_and_the_file_cannot_be_changed(team, admin_client):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    assert admin_client.get(reverse("admin:performance_evidence_add")).status_code == 403
    change = reverse("admin:performance_evidence_change", args=[row.pk])
    page = admin_client.get(change).content.decode()
    assert 'type="file"' not in page and 'name="note"' in page


def test_deleting_goes_through_the_service_even_when_locked(
        team, admin_client, superuser, django_capture_on_commit_callbacks):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    stored = row.file.name
    lock(team.period, team.finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:performance_evidence_delete", args=[row.pk]),
                                     {"post": "yes"})
    assert response.status_code == 302
    assert not Evidence.objects.exists() and not evidence_files.exists(stored)
    gone = Evidence.history.get(history_type="-")
    assert (gone.history_user, gone.history_channel) == (superuser, "admin")


def test_the_delete_action_removes_each_file_with_its_history(
        team, admin_client, django_capture_on_commit_callbacks):
    rows = upload_evidence(team.project, team.period, team.filler,
                           [f.upload("a.pdf"), f.upload("b.pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CHANGELIST, {"action": "delete_selected", "post": "yes",
                                       ACTION_CHECKBOX_NAME: [r.pk for r in rows]})
    assert not Evidence.objects.exists()
    assert not any(evidence_files.exists(r.file.name) for r in rows)
    assert Evidence.history.filter(history_type="-", history_channel="admin").count() == 2


def test_the_indicator_admins_show_the_evidence_setting(team, admin_client):
    page = admin_client.get(reverse("admin:performance_indicatorlevel2_changelist")).content
    assert "须上传佐证材料" in page.decode()
    page = admin_client.get(reverse("admin:performance_indicator_change",
                                    args=[team.indicators[0].pk])).content.decode()
    assert 'name="evidence_required"' in page
