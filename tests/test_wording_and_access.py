"""Wording and accessibility outside the browser: Chinese rule names and labelled fields on
目标审核, one blank option per filter, period names instead of codes, the favicon, and /admin/
for people who are not staff."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from budget.models import Role
from performance.checks.check_forms import ScoreRowForm
from performance.review.findings import RULES
from tests.entry_setup import make_team
from tests.factories import MembershipFactory, RectificationFactory, UserFactory

pytestmark = pytest.mark.django_db

REVIEW = reverse("review:unit", args=["342601", 2025])
ADMIN_ONLY = "管理后台仅供管理员使用"


def _labelled_ids(page: str) -> set[str]:
    return set(re.findall(r'<label[^>]*\bfor="([^"]+)"', page))


def test_target_review_names_its_rules_in_chinese_without_their_codes(client, seeded):
    client.force_login(MembershipFactory(unit=None, role=Role.FINANCE_REVIEWER).user)
    page = client.get(REVIEW).content.decode()
    table = page[page.index('id="review-findings"'):page.index("</table>")]
    table = re.sub(r"<[^>]+>", " ", table)  # the text people read, not the forms' key values
    assert RULES["unit_mismatch"].title in table
    assert RULES["printed_total_mismatch"].title in table
    assert "unit_mismatch" not in table and "printed_total_mismatch" not in table


def test_every_text_field_on_target_review_has_a_label(client, seeded):
    client.force_login(MembershipFactory(unit=None, role=Role.FINANCE_REVIEWER).user)
    page = client.get(REVIEW).content.decode()
    fields = re.findall(r'<(?:textarea|select)\b[^>]*>', page)
    assert len(fields) > 3  # the filters, the accept notes, the result forms
    labelled = _labelled_ids(page)
    for field in fields:
        found = re.search(r'\bid="([^"]+)"', field)
        assert found and found.group(1) in labelled, field
    assert 'placeholder="接受说明"' not in page


def test_target_review_tables_scroll_inside_their_own_box(client, seeded):
    client.force_login(MembershipFactory(unit=None, role=Role.FINANCE_REVIEWER).user)
    page = client.get(REVIEW).content.decode()
    assert page.count('<div class="table-responsive review-scroll">') == 2
    assert "严重程度:" not in page and ">严重程度</label>" in page  # no ASCII colon


def test_the_unit_filter_of_the_project_list_has_one_blank_option(client):
    team = make_team()
    client.force_login(team.finance)
    page = client.get(reverse("entry:home")).content.decode()
    assert "---------" not in page
    unit_select = page[page.index('name="unit"'):]
    unit_select = unit_select[:unit_select.index("</select>")]
    assert unit_select.count('value=""') == 1 and ">全部单位</option>" in unit_select


def test_the_rectification_filters_have_no_dashes_and_name_periods(client):
    team = make_team()
    RectificationFactory(project=team.project, period=team.period)
    client.force_login(team.finance)
    page = client.get(reverse("rectification:list")).content.decode()
    assert "---------" not in page
    assert ">全部单位</option>" in page and ">全部期间</option>" in page
    assert f">{team.period.name}</option>" in page
    assert "搜索:" not in page  # labels without Django's ASCII suffix


def test_a_check_row_names_its_indicator_in_each_field():
    form = ScoreRowForm(prefix="i1", indicator="培训人次")
    html = str(form["score"]) + str(form["deduction_reason"])
    assert 'aria-label="培训人次：复核得分"' in html and 'aria-label="培训人次：扣分原因"' in html


def test_the_favicon_is_served_from_static(client, settings):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings.STATIC_URL if settings.STATIC_URL.startswith(
        "/") else "/" + settings.STATIC_URL)
    assert response["Location"].split("?")[0].endswith(".ico")
    assert "max-age=86400" in response["Cache-Control"]
    home = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in home and "favicon" in home


def test_a_user_who_is_not_staff_is_sent_home_from_the_admin(client):
    team = make_team()
    client.force_login(team.filler)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/admin/"
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("entry:home")
    assert ADMIN_ONLY in [str(m) for m in get_messages(response.wsgi_request)] or \
        ADMIN_ONLY in response.content.decode()


def test_the_admin_still_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith("/admin/login/")
    assert 'name="password"' in response.content.decode()


def test_staff_reach_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/").status_code == 302  # already in: to the admin's index
