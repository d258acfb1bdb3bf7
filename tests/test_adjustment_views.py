"""The adjustment pages: 调整申请 (prefilled, errors linked to their fields, nothing written on
a refusal), 年中追加, a proposal with its diff and its steps at each level (with and without the
主管部门), the queue per level, the project page's versions panel and the navigation link; who
sees what (filler, unit and department reviewers, finance, outsider) and bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Project
from performance.adjustments import views
from performance.chain import VersionStatus
from performance.domain import Operator
from performance.models import Indicator, RowChange, TargetVersion, VersionKind, format_decimal
from performance.services import adjustments

from .adjust_setup import approve_all, change_targets, department_reviewer
from .entry_setup import make_team
from .factories import IndicatorFactory, ProjectFactory, UnitFactory, level2

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def tier(settings, team):
    """The 主管部门 level on, with a reviewer over the team's unit."""
    settings.DEPARTMENT_TIER = True
    return department_reviewer(team.unit)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def propose_url(project):
    return reverse("adjustments:propose", args=[project.pk])


def detail_url(version):
    return reverse("adjustments:detail", args=[version.pk])


def step_url(version, action):
    return reverse("adjustments:step", args=[version.pk, action])


def page(response) -> str:
    return response.content.decode()


def form_data(project, changes=None, *, added=(), action="save", reason="业务量调整",
              extra_rows=3, **header):
    """The POST of the 调整申请 page as prefilled (from the open proposal, else the targets in
    force), with `changes`
    ({row index: {field: value}}) and `added` rows (dicts of fields) typed in."""
    source = adjustments.draft_from(adjustments.open_proposal(project) or project)
    rows = [{"indicator_id": d.indicator_id or "", "level2": d.level2_id, "name": d.name,
             "operator": d.operator, "target_value": format_decimal(d.target_value),
             "target_grade": d.target_grade, "unit": d.unit, "weight": format_decimal(d.weight),
             "direction": d.direction, "reason": d.reason, "cumulative": ""}
            for d in source.indicators]
    for index, fields in (changes or {}).items():
        rows[index].update(fields)
    data = {"t-TOTAL_FORMS": len(rows) + extra_rows, "t-INITIAL_FORMS": len(rows),
            "t-MIN_NUM_FORMS": 0, "t-MAX_NUM_FORMS": 1000, "action": action,
            "adjusted_amount": format_decimal(source.adjusted_amount), "budget_reason": "",
            "goal": source.goal or "", "reason": reason, "effective_from": "2025-09-01"}
    for index, row in enumerate(rows + list(added)):
        for name, value in row.items():
            if name == "remove":
                if value:
                    data[f"t{index}-remove"] = "on"
            else:
                data[f"t{index}-{name}"] = "" if value is None else value
    data.update(header)
    return data


def changed_value(reason="服务对象减少"):
    return {0: {"target_value": "50", "reason": reason}}


def submitted(team, **kwargs):
    """A proposal changing the first target to 50, submitted by the filler."""
    from performance.services import adjustment_chain

    version = change_targets(team.project, team.filler,
                             {team.indicators[0].id: {"target_value": Decimal(50)}}, **kwargs)
    return adjustment_chain.submit(version, team.filler)


def step(user, version, action, **data):
    version.refresh_from_db()
    return as_user(user).post(step_url(version, action), {"status": version.status, **data},
                              follow=True)


# ---------------------------------------------------------------- 调整申请: who sees what


def test_the_filler_gets_the_form_prefilled_from_the_targets_in_force(team):
    html = page(as_user(team.filler).get(propose_url(team.project)))
    first = team.indicators[0]
    assert f'name="t0-name" value="{first.name}"' in html
    assert 'name="t0-target_value" value="100"' in html
    assert 'name="t0-weight" value="30"' in html
    assert 'id="id_t3-name"' in html  # an empty row for an added indicator
    assert "保存草稿" in html and "提交审核" in html


@pytest.mark.parametrize("who", ["reviewer", "finance", "department"])
def test_reviewers_see_the_form_read_only(team, tier, who):
    user = tier if who == "department" else getattr(team, who)
    response = as_user(user).get(propose_url(team.project))
    assert response.status_code == 200
    html = page(response)
    assert "只有本单位的填报人可以申请调整目标" in html
    assert "保存草稿" not in html
    assert 'name="t0-name"' in html and "disabled" in html


def test_a_reviewer_posting_the_form_is_refused_and_nothing_is_written(team):
    response = as_user(team.reviewer).post(propose_url(team.project),
                                           form_data(team.project, changed_value()))
    assert "只有本单位的填报人可以提出目标调整" in page(response)
    assert not TargetVersion.objects.exists()


def test_an_outsider_gets_404_on_every_page(team):
    version = submitted(team)
    client = as_user(team.outsider)
    assert client.get(propose_url(team.project)).status_code == 404
    assert client.post(propose_url(team.project), form_data(team.project)).status_code == 404
    assert client.get(detail_url(version)).status_code == 404
    assert client.post(step_url(version, "approve"), {"status": "at_unit"}).status_code == 404
    midyear = reverse("adjustments:midyear", args=[team.unit.code])
    assert client.get(midyear).status_code == 404
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT


def test_a_department_reviewer_of_another_department_gets_404(team, settings):
    from budget.models import Department

    settings.DEPARTMENT_TIER = True
    elsewhere = UnitFactory(department=Department.objects.create(code="999", name="别的部门"))
    stranger = department_reviewer(elsewhere, name="钱别部门")
    version = submitted(team)
    assert as_user(stranger).get(detail_url(version)).status_code == 404
    assert as_user(stranger).get(propose_url(team.project)).status_code == 404


# ---------------------------------------------------------------- 调整申请: saving and submitting


def test_a_proposal_with_errors_shows_them_linked_to_their_fields_and_writes_nothing(team):
    data = form_data(team.project, {0: {"weight": "40", "reason": "x"}, 1: {"name": ""}},
                     reason="")
    html = page(as_user(team.filler).post(propose_url(team.project), data))
    assert 'href="#id_reason"' in html  # 未填写调整原因
    assert 'href="#weights"' in html and "权重合计 100" in html
    assert 'href="#id_t1-name"' in html and "未填写三级指标名称" in html
    # next to the field as well
    name_cell = html.split('id="id_t1-name"')[1].split("</td>")[0]
    assert "未填写三级指标名称" in name_cell
    assert not TargetVersion.objects.exists()
    assert Indicator.objects.get(pk=team.indicators[0].pk).weight == Decimal(30)


def test_a_number_that_is_not_one_is_reported_at_its_field(team):
    data = form_data(team.project, {2: {"target_value": "一百"}})
    html = page(as_user(team.filler).post(propose_url(team.project), data))
    assert 'href="#id_t2-target_value"' in html and "请填写数字" in html
    assert not TargetVersion.objects.exists()


def test_a_saved_draft_goes_to_its_page_and_is_prefilled_next_time(team):
    client = as_user(team.filler)
    response = client.post(propose_url(team.project), form_data(team.project, changed_value()))
    version = TargetVersion.objects.get(number=2)
    assert response.status_code == 302 and response["Location"] == detail_url(version)
    assert version.status == VersionStatus.DRAFT and version.kind == VersionKind.ADJUSTMENT
    html = page(client.get(propose_url(team.project)))
    assert 'name="t0-target_value" value="50"' in html
    assert "本项目已有调整申请" in html


def test_submitting_from_the_form_sends_it_to_the_unit_reviewer(team):
    response = as_user(team.filler).post(propose_url(team.project),
                                         form_data(team.project, changed_value(), action="submit"),
                                         follow=True)
    assert "已提交审核" in page(response)
    version = TargetVersion.objects.get(number=2)
    assert version.status == VersionStatus.AT_UNIT and version.submitted_at is not None


def test_submitting_a_change_without_its_reason_keeps_the_draft_and_points_to_the_reason(team):
    data = form_data(team.project, {0: {"target_value": "50"}}, action="submit")
    html = page(as_user(team.filler).post(propose_url(team.project), data))
    assert "不能提交" in html
    assert 'href="#id_t0-reason"' in html
    assert TargetVersion.objects.get(number=2).status == VersionStatus.DRAFT
    # and the form, shown again, lists what is left
    html = page(as_user(team.filler).get(propose_url(team.project)))
    assert "提交前还需完成" in html and 'href="#id_t0-reason"' in html


def test_an_indicator_added_in_an_empty_row_and_one_removed(team):
    added = {"level2": level2("效益指标", "社会效益指标").id, "name": "群众知晓率",
             "operator": Operator.GE, "target_value": "90", "unit": "%", "weight": "30",
             "direction": "正向指标", "reason": "新增宣传任务"}
    data = form_data(team.project, {1: {"remove": True, "reason": "任务取消"}}, added=[added])
    response = as_user(team.filler).post(propose_url(team.project), data)
    assert response.status_code == 302
    rows = {r.name: r for r in TargetVersion.objects.get(number=2).rows.all()}
    assert rows["群众知晓率"].change == RowChange.ADDED
    assert rows["群众知晓率"].level1.name == "效益指标"
    assert rows[team.indicators[1].name].change == RowChange.REMOVED


def test_an_added_indicator_struck_out_of_the_draft_is_left_out(team):
    added = {"level2": level2().id, "name": "临时指标", "operator": Operator.GE,
             "target_value": "5", "unit": "次", "weight": "10", "direction": "正向指标",
             "reason": "新增"}
    client = as_user(team.filler)
    client.post(propose_url(team.project),
                form_data(team.project, {0: {"weight": "20", "reason": "让出权重"}}, added=[added]))
    version = TargetVersion.objects.get(number=2)
    assert version.rows.filter(name="临时指标").exists()
    data = form_data(team.project, {3: {"remove": True},  # prefilled from the draft
                                    0: {"weight": "30", "target_value": "60"}})
    assert data["t3-name"] == "临时指标"
    response = client.post(propose_url(team.project), data)
    assert response.status_code == 302, page(response)
    assert not version.rows.filter(name="临时指标").exists()


def test_an_error_in_an_added_row_after_an_empty_one_points_to_its_own_row(team):
    added = {"level2": level2().id, "name": "", "operator": Operator.GE, "target_value": "5",
             "weight": "1", "direction": "正向指标"}
    data = form_data(team.project, added=[{}, added], extra_rows=3)
    html = page(as_user(team.filler).post(propose_url(team.project), data))
    assert 'href="#id_t4-name"' in html  # the page's row 5, though it is the 4th indicator


def test_a_proposal_under_review_cannot_be_edited_from_the_form(team):
    submitted(team)
    html = page(as_user(team.filler).get(propose_url(team.project)))
    assert "审核完成或退回后才能修改" in html and "保存草稿" not in html


# ---------------------------------------------------------------- the proposal's page and its steps


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_the_diff_shows_old_and_new_values_with_the_reason(team, who):
    version = submitted(team)
    html = page(as_user(getattr(team, who)).get(detail_url(version)))
    assert '<span class="old text-danger text-decoration-line-through">100</span>' in html
    assert '<span class="new text-success fw-semibold">50</span>' in html
    assert "按调整后的工作任务" in html and "业务量调整" in html
    assert "待单位审核" in html


def test_version_one_reads_as_it_was_approved_after_an_adjustment(team):
    version = approve_all(change_targets(team.project, team.filler,
                                         {team.indicators[0].id: {"target_value": Decimal(50)}}),
                          team.reviewer, team.finance)
    first = TargetVersion.objects.get(project=team.project, number=1)
    html = page(as_user(team.reviewer).get(detail_url(first)))
    assert "第1版（年初批复）" in html and "原目标 → 调整后" not in html
    cells = html.split('data-field="target"')
    assert cells[1].startswith(' class="num">100<')  # its own target, not the one in force
    assert detail_url(version) in html  # and a link to the version that replaced it


def test_only_the_level_it_waits_for_sees_approve_and_return(team):
    version = submitted(team)
    assert "审核通过" in page(as_user(team.reviewer).get(detail_url(version)))
    for user in (team.finance, team.filler):
        html = page(as_user(user).get(detail_url(version)))
        assert 'id="approve-form"' not in html and 'id="return-form"' not in html
    assert "撤回申请" in page(as_user(team.filler).get(detail_url(version)))


def test_two_levels_without_the_department_tier(team):
    version = submitted(team)
    html = page(step(team.reviewer, version, "approve", reason="同意"))
    assert "已审核通过" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_FINANCE
    finance_page = page(as_user(team.finance).get(detail_url(version)))
    assert 'id="approve-effective-from"' in finance_page  # the last level sets the date
    html = page(step(team.finance, version, "approve", effective_from="2025-10-01"))
    assert "已批复，自 2025-10-01 起适用" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.effective_from == datetime.date(2025, 10, 1)
    assert Indicator.objects.get(pk=team.indicators[0].pk).target_value == Decimal(50)
    assert [s.get_action_display() for s in version.steps.all()] == ["提交", "审核通过", "审核通过"]


def test_three_levels_with_the_department_tier(team, tier):
    version = submitted(team)
    assert version.department_tier
    step(team.reviewer, version, "approve")
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_DEPARTMENT
    assert 'id="approve-form"' not in page(as_user(team.finance).get(detail_url(version)))
    html = page(as_user(tier).get(detail_url(version)))
    assert 'id="approve-form"' in html and 'id="approve-effective-from"' not in html
    step(tier, version, "approve")
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_FINANCE
    step(team.finance, version, "approve")
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED


def test_a_return_needs_a_reason(team):
    version = submitted(team)
    html = page(step(team.reviewer, version, "return", reason="  "))
    assert "退回时须填写退回原因" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT


@pytest.mark.parametrize("level", ["unit", "department", "finance"])
def test_each_level_returns_to_the_level_below_with_its_reason(team, tier, level):
    version = submitted(team)
    reviewers = {"unit": team.reviewer, "department": tier, "finance": team.finance}
    for earlier in ["unit", "department", "finance"][:["unit", "department", "finance"].index(level)]:
        step(reviewers[earlier], version, "approve")
    step(reviewers[level], version, "return", reason="指标值依据不足")
    version.refresh_from_db()
    expected = {"unit": VersionStatus.RETURNED, "department": VersionStatus.AT_UNIT,
                "finance": VersionStatus.AT_DEPARTMENT}[level]
    assert version.status == expected
    assert "指标值依据不足" in page(as_user(team.filler).get(detail_url(version)))
    if level == "unit":  # back to the filler: the form is editable and says why
        html = page(as_user(team.filler).get(propose_url(team.project)))
        assert "已退回" in html and "指标值依据不足" in html and "保存草稿" in html


def test_a_step_on_a_proposal_someone_has_just_moved_is_refused(team):
    version = submitted(team)
    step(team.reviewer, version, "approve")
    response = as_user(team.reviewer).post(step_url(version, "return"),
                                           {"status": "at_unit", "reason": "再看看"}, follow=True)
    assert "他人刚刚处理" in page(response)
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_FINANCE


def test_the_filler_withdraws_and_the_project_may_be_proposed_again(team):
    version = submitted(team)
    step(team.filler, version, "withdraw")
    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN
    assert "申请调整目标" in page(as_user(team.filler).get(
        reverse("entry:project", args=[team.project.pk])))


def test_the_filler_cannot_approve_its_own_proposal(team):
    version = submitted(team)
    html = page(step(team.filler, version, "approve"))
    assert "只有本单位审核人可以审核通过" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.AT_UNIT


def test_target_review_findings_of_the_change_are_shown_and_keep_it_from_being_submitted(team):
    version = change_targets(team.project, team.filler,
                             {team.indicators[0].id: {"unit": "", "target_value": Decimal(50)}})
    html = page(as_user(team.filler).get(detail_url(version)))
    findings = html.split('id="findings"')[1].split("</section>")[0]
    assert "没有度量单位" in findings and team.indicators[0].name in findings
    assert team.indicators[1].name not in findings  # only what the change brings in
    html = page(step(team.filler, version, "submit"))
    assert "目标审核：" in html and "没有度量单位" in html
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def count(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_the_proposal_page_runs_the_same_queries_for_more_indicators_and_steps(team):
    version = submitted(team)
    client = as_user(team.reviewer)
    small = count(client, detail_url(version))
    from performance.services import adjustment_chain

    adjustment_chain.send_back(version, team.reviewer, "补充依据")
    for n in range(12):
        IndicatorFactory(project=team.project, weight=Decimal("0.01"), name=f"多余指标{n}")
    version = TargetVersion.objects.get(pk=version.pk)
    for _ in range(2):
        version = adjustment_chain.submit(version, team.filler)
        version = adjustment_chain.send_back(version, team.reviewer, "再补充")
    version = adjustment_chain.submit(version, team.filler)
    assert count(client, detail_url(version)) <= small


# ---------------------------------------------------------------- the queue


def test_each_level_sees_what_waits_for_it(team, tier):
    at_unit = submitted(team)
    other = make_team()  # another unit (same department), its proposal at the department
    at_department = submitted(other)
    step(other.reviewer, at_department, "approve")
    queue = reverse("adjustments:queue")

    def names(user):
        return page(as_user(user).get(queue))

    assert team.project.name in names(team.reviewer)
    assert other.project.name not in names(team.reviewer)
    html = names(tier)
    assert other.project.name in html and team.project.name not in html
    assert "待主管部门审核 1" in html
    assert team.project.name not in names(team.finance)
    assert team.project.name in names(team.filler)  # its own unit's open proposal
    assert team.project.name not in names(team.outsider)
    assert "暂无需要办理的调整申请" in names(team.outsider)
    assert at_unit.status == VersionStatus.AT_UNIT


def test_the_queue_is_paginated_and_its_queries_do_not_grow(team, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client = as_user(team.reviewer)
    submitted(team)
    small = count(client, reverse("adjustments:queue"))
    for n in range(11):
        team.project = ProjectFactory(unit=team.unit, name=f"排队项目{n:02d}")
        team.indicators = [IndicatorFactory(project=team.project, weight=Decimal(30))
                           for _ in range(3)]
        submitted(team)
    assert count(client, reverse("adjustments:queue")) == small
    html = page(client.get(reverse("adjustments:queue"), {"page": 3}))
    assert "第 3 / 3 页" in html


def test_the_navigation_links_to_the_queue_and_its_script_gets_what_waits(team):
    submitted(team)
    html = page(as_user(team.reviewer).get(reverse("entry:home")))
    assert 'class="adjustments-link"' in html and "adjustments/nav.js" in html
    pending = reverse("adjustments:pending")
    assert as_user(team.reviewer).get(pending).json() == {"pending": 1}
    assert as_user(team.finance).get(pending).json() == {"pending": 0}
    assert as_user(team.outsider).get(pending).json() == {"pending": 0}


def test_the_pending_count_is_one_query_whatever_the_roles(team, tier):
    client = as_user(tier)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("adjustments:pending"))
    assert len(queries) <= 4  # session, user, memberships, the count


# ---------------------------------------------------------------- the project page


def test_the_project_page_lists_the_versions_and_the_version_that_scores(team):
    url = f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"
    client = as_user(team.filler)
    html = page(client.get(url))
    assert "计分依据：第1版（年初批复）" in html and 'id="propose-link"' in html
    version = submitted(team)
    html = page(client.get(url))  # the cached content changed with the proposal
    assert "调整申请待单位审核" in html and 'id="propose-link"' not in html
    approve_all_levels(team, version)
    html = page(client.get(url))
    assert "计分依据：第2版（绩效目标调整），2025-09-01 起适用" in html
    assert detail_url(version) in html


def approve_all_levels(team, version):
    from performance.services import adjustment_chain

    adjustment_chain.approve(version, team.reviewer)
    adjustment_chain.approve(version, team.finance)


def test_the_department_reviewer_sees_the_versions_without_the_propose_link(team, tier):
    url = reverse("entry:project", args=[team.project.pk])
    approve_all(change_targets(team.project, team.filler,
                               {team.indicators[0].id: {"target_value": Decimal(50)}}),
                team.reviewer, tier, team.finance)
    html = page(as_user(tier).get(url))
    assert 'id="target-versions"' in html and "第2版" in html
    assert 'id="propose-link"' not in html


# ---------------------------------------------------------------- 年中追加


def midyear_data(**extra):
    """The POST of the 年中追加 page: a project with three indicators (产出, 效益, 满意度,
    weights 60 + 20 + 10), each with its reason."""
    rows = [(("产出指标", "数量指标"), "追加培训人次", "500", "人次", "60"),
            (("效益指标", "社会效益指标"), "培训后就业率", "80", "%", "20"),
            (("满意度指标", "服务对象满意度指标"), "学员满意度", "90", "%", "10")]
    data = {"t-TOTAL_FORMS": 6, "t-INITIAL_FORMS": 0, "t-MIN_NUM_FORMS": 0,
            "t-MAX_NUM_FORMS": 1000, "name": "年中追加培训项目", "category": "specific",
            "budget_amount": "20", "year": "2025", "goal": "完成追加培训任务",
            "reason": "上级追加任务", "effective_from": "2025-07-01", "action": "save"}
    for index, (levels, name, value, unit, weight) in enumerate(rows):
        data.update({f"t{index}-level2": level2(*levels).id, f"t{index}-name": name,
                     f"t{index}-operator": Operator.GE, f"t{index}-target_value": value,
                     f"t{index}-unit": unit, f"t{index}-weight": weight,
                     f"t{index}-direction": "正向指标", f"t{index}-reason": "追加任务"})
    data.update(extra)
    return data


def test_a_filler_adds_a_project_mid_year_and_it_is_approved_through_the_chain(team):
    url = reverse("adjustments:midyear", args=[team.unit.code])
    response = as_user(team.filler).post(url, midyear_data(action="submit"))
    project = Project.objects.get(name="年中追加培训项目")
    version = TargetVersion.objects.get(project=project)
    assert response["Location"] == detail_url(version)
    assert version.kind == VersionKind.MIDYEAR and version.status == VersionStatus.AT_UNIT
    assert not Indicator.objects.filter(project=project).exists()
    step(team.reviewer, version, "approve")
    step(team.finance, version, "approve")
    assert Indicator.objects.filter(project=project).count() == 3


def test_a_mid_year_project_needs_no_reason_per_indicator_its_own_reason_covers_them(team):
    url = reverse("adjustments:midyear", args=[team.unit.code])
    client = as_user(team.filler)
    client.post(url, midyear_data(action="submit", **{"t1-reason": "", "t0-reason": ""}))
    project = Project.objects.get(name="年中追加培训项目")
    assert TargetVersion.objects.get(project=project).status == VersionStatus.AT_UNIT


def test_a_mid_year_project_with_errors_writes_nothing(team):
    url = reverse("adjustments:midyear", args=[team.unit.code])
    html = page(as_user(team.filler).post(url, midyear_data(**{"t1-weight": "10"})))
    assert 'href="#weights"' in html
    assert not Project.objects.filter(name="年中追加培训项目").exists()


def test_a_reviewer_sees_the_mid_year_page_read_only(team):
    url = reverse("adjustments:midyear", args=[team.unit.code])
    html = page(as_user(team.reviewer).get(url))
    assert "只有本单位的填报人可以申请年中追加项目" in html and "保存草稿" not in html
    as_user(team.reviewer).post(url, midyear_data())
    assert not Project.objects.filter(name="年中追加培训项目").exists()
