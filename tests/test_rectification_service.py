"""performance.services.rectification: raising (once per source key, notices), every step with
its history and notices, the refusals (who, status, texts, a stale page), and the evidence of
an item (who may add and delete, when)."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.db import IntegrityError

from budget.models import Role
from performance.models import Evidence, Notice, Rectification
from performance.services import rectification as service
from performance.services.evidence import (
    EvidenceRefused,
    delete_evidence,
    evidence_for,
    evidence_of_rectification,
    upload_evidence,
)
from performance.services.rectification import RectificationRefused, raise_rectification
from performance.workflow import Channel
from tests import evidence_files as f
from tests.entry_setup import _member, make_team
from tests.factories import IndicatorFactory, RectificationFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 9, 30)


@pytest.fixture
def team():
    return make_team()


def raise_warning(team, key="red:1", **extra):
    return raise_rectification(
        project=team.project, period=team.period, source="red_light", problem="进度滞后",
        required_action="说明原因并纠偏", deadline=DEADLINE, source_key=key,
        indicator=team.indicators[0], response_deadline=datetime.date(2026, 7, 15), **extra)


def manual(team, **extra):
    fields = dict(project=team.project, unit=team.unit, period=team.period)
    fields.update(extra)
    return RectificationFactory(**fields)


# ------------------------------------------------------------------------------ raising


def test_raise_is_idempotent_on_the_source_key(team):
    item, created = raise_warning(team)
    again, created_again = raise_warning(team)
    assert created and not created_again and again.pk == item.pk
    assert Rectification.objects.count() == 1 and item.history.count() == 1
    assert Notice.objects.count() == 2  # filler and unit reviewer, once


def test_a_raised_item_belongs_to_the_projects_unit_and_notifies_its_filler_and_reviewer(team):
    item, _ = raise_warning(team)
    assert (item.unit, item.status, item.version, item.response_deadline) == (
        team.unit, "pending", 0, datetime.date(2026, 7, 15))
    assert set(Notice.objects.values_list("recipient", flat=True)) == {team.filler.pk,
                                                                      team.reviewer.pk}
    notice = Notice.objects.first()
    assert notice.url == f"/rectification/{item.pk}/"
    assert "2026-07-15" in notice.body and "继续执行" in notice.body
    row = item.history.get()
    assert (row.history_type, row.history_channel) == ("+", Channel.SYSTEM)
    assert "监控红灯" in row.history_change_reason


def test_a_race_on_the_source_key_returns_the_item_the_other_process_raised(team):
    first, _ = raise_warning(team)
    real_filter = Rectification.objects.filter
    calls = []

    def first_look_misses(*args, **kwargs):
        calls.append(kwargs)
        found = real_filter(*args, **kwargs)
        return found.none() if len(calls) == 1 else found

    with mock.patch.object(Rectification.objects, "filter", side_effect=first_look_misses):
        item, created = raise_warning(team)
    assert not created and item.pk == first.pk
    assert Rectification.objects.count() == 1


def test_a_manual_item_may_be_raised_twice_and_needs_no_key(team):
    for _ in range(2):
        _, created = raise_rectification(project=team.project, period=team.period,
                                         source="manual", problem="台账不全",
                                         required_action="补齐", deadline=DEADLINE,
                                         user=team.finance, channel=Channel.PAGE)
        assert created
    assert Rectification.objects.filter(raised_by=team.finance).count() == 2
    assert Rectification.objects.first().response_deadline is None


@pytest.mark.parametrize(("extra", "message"), [
    ({"problem": " "}, "须填写问题和整改要求"),
    ({"required_action": ""}, "须填写问题和整改要求"),
    ({"source": "red_light"}, "须记录来源"),
])
def test_raising_refuses_what_is_incomplete(team, extra, message):
    fields = dict(project=team.project, period=team.period, source="manual", problem="台账不全",
                  required_action="补齐", deadline=DEADLINE)
    fields.update(extra)
    with pytest.raises(RectificationRefused, match=message):
        raise_rectification(**fields)
    assert not Rectification.objects.exists()


def test_raising_refuses_an_indicator_of_another_project(team):
    with pytest.raises(RectificationRefused, match="不属于本项目"):
        raise_rectification(project=team.project, period=team.period, source="manual",
                            problem="x", required_action="y", deadline=DEADLINE,
                            indicator=IndicatorFactory())


def test_an_integrity_error_without_a_key_is_not_swallowed(team):
    with mock.patch.object(Rectification, "save", side_effect=IntegrityError("boom")), \
            pytest.raises(IntegrityError):
        raise_rectification(project=team.project, period=team.period, source="manual",
                            problem="x", required_action="y", deadline=DEADLINE)


# ------------------------------------------------------------------------------ the steps


def test_the_unit_starts_reports_done_and_finance_confirms(team):
    item = manual(team)
    item = service.start(item, team.filler, progress="已安排专人", version=0)
    assert (item.status, item.progress, item.version) == ("in_progress", "已安排专人", 1)
    item = service.report_done(item, team.reviewer, "已补齐签到表", version=1)
    assert (item.status, item.done_by, item.version) == ("done", team.reviewer, 2)
    assert item.done_at is not None
    item = service.confirm(item, team.finance, version=2)
    assert (item.status, item.confirmed_by) == ("confirmed", team.finance)
    reasons = list(item.history.order_by("history_date", "history_id")
                   .values_list("history_change_reason", "history_user", "history_channel"))
    assert reasons[1:] == [("开始整改：已安排专人", team.filler.pk, "page"),
                       ("报送整改完成：已补齐签到表", team.reviewer.pk, "page"),
                       ("确认整改完成", team.finance.pk, "page")]


def test_reporting_done_notifies_finance_and_confirming_notifies_the_unit(team):
    item = manual(team)
    service.report_done(item, team.filler, "已整改")
    assert list(Notice.objects.values_list("recipient", flat=True)) == [team.finance.pk]
    assert Notice.objects.get().url == f"/rectification/{item.pk}/"
    Notice.objects.all().delete()
    service.confirm(item, team.finance)
    assert set(Notice.objects.values_list("recipient", flat=True)) == {team.filler.pk,
                                                                      team.reviewer.pk}


def test_finance_who_raised_it_is_the_one_notified(team):
    other = _member(None, Role.FINANCE_REVIEWER, "钱财政")
    item = manual(team, raised_by=other)
    service.report_done(item, team.filler, "已整改")
    assert list(Notice.objects.values_list("recipient", flat=True)) == [other.pk]


def test_finance_returns_a_done_item_with_a_reason(team):
    item = manual(team, status="done", progress="已整改")
    item = service.send_back(item, team.finance, "签到表缺少签名")
    assert (item.status, item.return_reason) == ("in_progress", "签到表缺少签名")
    assert Notice.objects.filter(recipient=team.filler, body__contains="签到表缺少签名").exists()
    with pytest.raises(RectificationRefused, match="须填写理由"):
        service.send_back(manual(team, status="done", progress="x"), team.finance, " ")


def test_the_unit_chooses_a_response_to_a_warning_and_may_change_it(team):
    item, _ = raise_warning(team)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9, tzinfo=datetime.UTC)):
        item = service.respond(item, team.filler, "adjust", "调剂至下半年", version=0)
    assert (item.status, item.response, item.response_note, item.responded_by) == (
        "in_progress", "adjust", "调剂至下半年", team.filler)
    assert item.history.order_by("history_id").last().history_change_reason == "选择应对方式：调剂，调剂至下半年"
    assert Notice.objects.filter(recipient=team.finance, body__contains="调剂").exists()
    item = service.respond(item, team.reviewer, "continue", version=1)
    assert item.response == "continue"


def test_a_response_after_its_deadline_is_taken_and_marked_late(team):
    item, _ = raise_warning(team)
    with time_machine.travel(datetime.datetime(2026, 7, 20, 9, tzinfo=datetime.UTC)):
        item = service.respond(item, team.filler, "cancel")
    assert item.response == "cancel"
    assert "逾期选择" in item.history.order_by("history_id").last().history_change_reason
    assert Notice.objects.filter(recipient=team.finance, body__contains="已超过选择期限").exists()


def test_a_warning_cannot_be_reported_done_before_a_response(team):
    item, _ = raise_warning(team)
    with pytest.raises(RectificationRefused, match="请先选择应对方式"):
        service.report_done(item, team.filler, "已纠偏")


def test_only_a_warning_takes_a_response(team):
    with pytest.raises(RectificationRefused, match="只有监控预警"):
        service.respond(manual(team), team.filler, "continue")


def test_an_unknown_response_is_refused(team):
    item, _ = raise_warning(team)
    with pytest.raises(RectificationRefused, match="请选择应对方式"):
        service.respond(item, team.filler, "ignore")


def test_reporting_done_needs_the_progress(team):
    with pytest.raises(RectificationRefused, match="须填写整改情况"):
        service.report_done(manual(team), team.filler, "  ")


def test_finance_edits_the_problem_action_and_deadline_until_confirmed(team):
    item = manual(team, status="in_progress")
    item = service.edit(item, team.finance, problem="新问题", required_action=item.required_action,
                        deadline=datetime.date(2026, 12, 31), version=0)
    assert (item.problem, item.deadline, item.version) == ("新问题", datetime.date(2026, 12, 31), 1)
    assert item.history.order_by("history_id").last().history_change_reason == "修改问题、整改期限"
    assert Notice.objects.filter(recipient=team.filler, subject__contains="整改要求已修改").exists()
    same = service.edit(item, team.finance, problem="新问题", required_action=item.required_action,
                        deadline=item.deadline, version=1)
    assert same.version == 1  # nothing changed, nothing written
    confirmed = manual(team, status="confirmed", progress="x",
                       confirmed_at=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC))
    with pytest.raises(RectificationRefused, match="已确认"):
        service.edit(confirmed, team.finance, problem="x", required_action="y",
                     deadline=DEADLINE)


def test_a_stale_version_is_refused_and_nothing_written(team):
    item = manual(team)
    service.start(item, team.filler, version=0)
    with pytest.raises(RectificationRefused, match="其他人已修改.*请刷新"):
        service.report_done(item, team.reviewer, "已整改", version=0)
    assert Rectification.objects.get().status == "in_progress"


@pytest.mark.parametrize("step", ["start", "report_done"])
def test_finance_does_not_act_for_the_unit(team, step):
    args = {"start": (), "report_done": ("已整改",)}[step]
    with pytest.raises(RectificationRefused, match="财政审核人不能代为办理"):
        getattr(service, step)(manual(team), team.finance, *args)


def test_the_unit_cannot_confirm_or_return(team):
    item = manual(team, status="done", progress="x")
    with pytest.raises(RectificationRefused, match="只有财政审核人"):
        service.confirm(item, team.filler)
    with pytest.raises(RectificationRefused, match="只有财政审核人"):
        service.send_back(item, team.reviewer, "不行")


def test_an_outsider_is_refused_before_anything_else(team):
    with pytest.raises(RectificationRefused, match="只有责任单位"):
        service.start(manual(team), team.outsider, version=99)


def test_the_admin_channel_confirms_as_administrator(team):
    from tests.factories import UserFactory
    staff = UserFactory(is_staff=True)
    item = service.confirm(manual(team, status="done", progress="x"), staff,
                           channel=Channel.ADMIN)
    assert item.status == "confirmed"
    assert item.history.order_by("history_id").last().history_channel == "admin"


def test_confirming_an_item_not_reported_done_is_refused(team):
    with pytest.raises(RectificationRefused, match="尚未报送整改完成"):
        service.confirm(manual(team, status="in_progress"), team.finance)


# ------------------------------------------------------------------------------ evidence


def test_the_unit_uploads_evidence_of_an_item_while_it_is_open(team):
    item = manual(team)
    rows = upload_evidence(team.project, team.period, team.reviewer, [f.upload("整改报告.pdf")],
                           rectification=item)
    assert rows[0].rectification == item
    assert evidence_of_rectification(item) == rows
    assert evidence_for(team.project, team.period).values == []  # not the values' evidence
    upload_evidence(team.project, team.period, team.filler, [f.upload("b.pdf")],
                    rectification=item)
    assert Evidence.objects.filter(rectification=item).count() == 2


def test_finance_and_outsiders_do_not_upload_evidence_of_an_item(team):
    item = manual(team)
    for user in (team.finance, team.outsider):
        with pytest.raises(EvidenceRefused, match="只有责任单位"):
            upload_evidence(team.project, team.period, user, [f.upload("a.pdf")],
                            rectification=item)
    assert not Evidence.objects.exists()


def test_evidence_of_a_done_item_cannot_be_added_or_deleted(team):
    item = manual(team)
    row = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")],
                          rectification=item)[0]
    service.report_done(item, team.filler, "已整改")
    with pytest.raises(EvidenceRefused, match="已整改"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("b.pdf")],
                        rectification=item)
    with pytest.raises(EvidenceRefused, match="已整改"):
        delete_evidence(row, team.filler)
    service.send_back(item, team.finance, "补充照片")
    delete_evidence(row, team.filler)
    assert not Evidence.objects.exists()


def test_evidence_of_an_item_must_be_its_project_and_period(team):
    item = manual(team)
    with pytest.raises(EvidenceRefused, match="不属于本项目本期间"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")],
                        rectification=item, indicator=team.indicators[0])
