"""The admin of target versions: list and change page (diff, rows, steps) read-only and with
bounded queries, the approve/return actions through the chain with their refusals, permissions;
and the indicator admin showing indicators removed by an adjustment."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Membership, Role
from performance.chain import VersionStatus
from performance.models import Indicator, VersionStep
from performance.services import adjustment_chain
from tests.adjust_setup import approve_all, change_targets
from tests.entry_setup import make_team
from tests.factories import IndicatorFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:performance_targetversion_changelist")
EVIL = "<script>alert(1)</script>"


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(version):
    return reverse("admin:performance_targetversion_change", args=[version.pk])


def proposal(team, submitted=True):
    """A proposal renaming the first indicator to a name with markup and halving its target."""
    first = team.indicators[0]
    version = change_targets(team.project, team.filler,
                             {first.id: {"name": EVIL, "target_value": Decimal(50)}})
    return adjustment_chain.submit(version, team.filler) if submitted else version


def staff(*codenames, unit_reviewer_of=None):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    if unit_reviewer_of is not None:
        Membership.objects.create(user=user, unit=unit_reviewer_of, role=Role.UNIT_REVIEWER)
    return user


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def act(client, action, versions, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [v.pk for v in versions],
                                    **data}, follow=True)


# -- list and change page -------------------------------------------------------------------------


def test_the_list_shows_the_versions_and_filters_by_status(superuser):
    team = make_team()
    version = proposal(team)
    client = as_user(superuser)
    page = client.get(CHANGELIST).content.decode()
    assert team.project.name in page and team.unit.code in page and "待单位审核" in page
    filtered = client.get(CHANGELIST, {"status__exact": "approved"}).content.decode()
    assert f'href="{change_url(version)}' not in filtered
    assert client.get(CHANGELIST, {"q": team.project.name}).status_code == 200


def test_the_list_queries_do_not_grow_with_versions(superuser):
    client = as_user(superuser)
    proposal(make_team())
    few = queries_for(client, CHANGELIST)
    for _ in range(6):
        proposal(make_team())
    assert queries_for(client, CHANGELIST) == few <= 12


def test_the_change_page_shows_the_diff_escaped_the_rows_and_the_steps(superuser):
    team = make_team()
    version = proposal(team)
    page = as_user(superuser).get(change_url(version)).content.decode()
    assert "原目标 → 调整后" in page and "对照：第1版（年初批复）" in page
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<strong>≥ 50 人次</strong>" in page and "≥ 100 人次" in page
    assert "<strong>&lt;script&gt;" in page  # the new name, marked as changed
    assert "按调整后的工作任务" in page  # the reason of the changed row
    assert "待单位审核" in page and "提交" in page  # the step
    assert 'name="_save"' not in page  # read-only: no save button


def test_the_changed_parts_of_a_line_are_marked(superuser):
    team = make_team()
    first, second = team.indicators[0], team.indicators[1]
    version = change_targets(team.project, team.filler, {first.id: {"weight": Decimal(40)},
                                                        second.id: {"weight": Decimal(20)}})
    page = as_user(superuser).get(change_url(version)).content.decode()
    assert "<strong>权重 40</strong>" in page and "<strong>权重 20</strong>" in page
    assert "<strong>权重 30</strong>" in page  # the old side too


def test_the_change_page_queries_do_not_grow_with_rows(superuser):
    client = as_user(superuser)
    small, large = make_team(indicators=3), make_team(indicators=15)
    counts = [queries_for(client, change_url(proposal(team))) for team in (small, large)]
    assert counts[0] == counts[1] <= 16


def test_versions_are_not_added_edited_or_deleted_by_hand(superuser):
    team = make_team()
    version = approve_all(proposal(team, submitted=False), team.reviewer, team.finance)
    client = as_user(superuser)
    assert client.get(reverse("admin:performance_targetversion_add")).status_code == 403
    response = client.post(change_url(version), {"reason": "改掉", "status": "draft"})
    assert response.status_code == 403
    delete = reverse("admin:performance_targetversion_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED and version.reason == "业务量调整"


# -- the actions ----------------------------------------------------------------------------------


def test_approving_asks_for_an_opinion_then_reports_each_proposal(superuser):
    at_unit = proposal(make_team())
    team = make_team()
    at_finance = adjustment_chain.approve(proposal(team), team.reviewer)
    client = as_user(superuser)
    page = act(client, "approve_action", [at_unit, at_finance]).content.decode()
    assert "确认审核通过" in page  # the intermediate page first
    page = act(client, "approve_action", [at_unit, at_finance], apply="1",
               reason="同意", effective_from="2025-10-01").content.decode()
    assert "未审核通过" in page and "只有本单位审核人" in page  # refused: not the unit's reviewer
    assert "现为“已批复”" in page
    at_unit.refresh_from_db(), at_finance.refresh_from_db()
    assert at_unit.status == VersionStatus.AT_UNIT
    assert at_finance.status == VersionStatus.APPROVED
    assert str(at_finance.effective_from) == "2025-10-01"
    step = VersionStep.objects.filter(version=at_finance).last()
    assert (step.by, step.reason, step.channel) == (superuser, "同意", "admin")


def test_returning_needs_a_reason_and_goes_to_the_level_below(superuser):
    team = make_team()
    version = adjustment_chain.approve(proposal(team), team.reviewer)
    client = as_user(superuser)
    page = act(client, "send_back_action", [version], apply="1", reason="").content.decode()
    assert "请填写退回原因" in page
    page = act(client, "send_back_action", [version], apply="1",
               reason="成本测算依据不足").content.decode()
    assert "现为“待单位审核”" in page
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT
    assert version.steps.last().reason == "成本测算依据不足"


def test_a_staff_unit_reviewer_with_the_permission_approves_at_the_unit():
    team = make_team()
    version = proposal(team)
    user = staff("view_targetversion", "change_targetversion", unit_reviewer_of=team.unit)
    act(as_user(user), "approve_action", [version], apply="1", reason="")
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_FINANCE


def test_a_non_staff_user_is_sent_to_the_admin_login():
    team = make_team()
    version = proposal(team)
    client = as_user(team.finance)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(CHANGELIST, {"action": "approve_action", "apply": "1",
                                        "_selected_action": [version.pk]})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT


def test_staff_without_the_permission_is_refused():
    team = make_team()
    version = proposal(team)
    viewer = staff("view_targetversion", unit_reviewer_of=team.unit)
    client = as_user(staff(unit_reviewer_of=team.unit))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(change_url(version)).status_code == 403
    assert act(client, "approve_action", [version], apply="1").status_code == 403
    page = as_user(viewer).get(CHANGELIST).content.decode()
    assert "approve_action" not in page  # may look, not act
    act(as_user(viewer), "approve_action", [version], apply="1")
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT


# -- indicators removed by an adjustment ----------------------------------------------------------


@pytest.fixture
def removed(db):
    team = make_team()
    gone = team.indicators[0]
    approve_all(change_targets(team.project, team.filler,
                               {gone.id: None, team.indicators[1].id: {"weight": Decimal(60)}}),
                team.reviewer, team.finance)
    gone = Indicator.all_objects.get(pk=gone.pk)
    assert gone.retired
    return gone


def test_the_indicator_list_shows_removed_indicators_with_a_filter(superuser, removed):
    client = as_user(superuser)
    url = reverse("admin:performance_indicator_changelist")
    edit = reverse("admin:performance_indicator_change", args=[removed.pk])
    assert edit in client.get(url).content.decode()
    assert "已调整删除" in client.get(url).content.decode()
    assert edit in client.get(url, {"retired__exact": "1"}).content.decode()
    assert edit not in client.get(url, {"retired__exact": "0"}).content.decode()


def test_a_removed_indicator_is_read_only_in_the_admin(superuser, removed):
    client = as_user(superuser)
    url = reverse("admin:performance_indicator_change", args=[removed.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"name": "复活", "weight": "10"}).status_code == 403
    removed.refresh_from_db()
    assert removed.retired and removed.name != "复活"


def test_the_table13_export_leaves_removed_indicators_out(superuser, removed):
    kept = IndicatorFactory(project=removed.project, name="保留的指标")
    request = RequestFactory().get("/")
    request.user = superuser
    indicator_admin = admin.site._registry[Indicator]
    data = indicator_admin.get_data_for_export(request, Indicator.all_objects.all())
    names = set(data["三级指标"])
    assert kept.name in names and removed.name not in names


def test_the_project_list_counts_only_indicators_in_force(superuser, removed):
    page = as_user(superuser).get(reverse("admin:budget_project_changelist")).content.decode()
    # 60 + 30 in two indicators: the removed one (30) is not counted
    assert 'field-indicator_count">2<' in page and 'field-weight_total">90' in page
