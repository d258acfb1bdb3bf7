"""`manage.py review_targets`: a grouped table or JSON; exit 1 on errors, 2 on unknown input."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from performance.models import Indicator
from performance.review.decisions import accept_finding
from performance.review.service import review_unit

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("review_targets", *args, stdout=out)
    return out.getvalue()


def test_the_table_groups_findings_by_project_and_says_what_to_fix(seeded):
    text = run("--year", "2025", "--unit", "342601")
    assert "== 342601 社会保险全民参保工作专项经费" in text
    assert "[警告] unit_mismatch 第22行 城镇企业职工基本养老保险在职参保人数" in text
    assert "== 342601 预算表核对" in text and "1,072.86" in text
    assert "待处理问题 7 个：错误 0，警告 7，提示 0" in text


def test_json_lists_one_object_per_finding(seeded):
    items = json.loads(run("--year", "2025", "--json"))
    assert len(items) == 7
    item = next(i for i in items if i["indicator"] == "工伤保险参保人数")
    assert item["rule"] == "unit_mismatch" and item["severity"] == "warning"
    assert item["row"] == 19 and item["status"] == "open" and item["unit"] == "342601"
    assert item["project"] == "社会保险全民参保工作专项经费" and "%" in item["message"]


def test_errors_give_exit_status_1(seeded):
    Indicator.objects.filter(name="购置读卡器数量").update(weight=Decimal("2"))
    out = StringIO()
    with pytest.raises(CommandError, match="1 个待处理的错误") as excinfo:
        call_command("review_targets", "--year", "2025", stdout=out)
    assert excinfo.value.returncode == 1
    assert "[错误] weights_total" in out.getvalue()


@pytest.mark.parametrize("args, message", [
    (("--year", "2025", "--unit", "999999"), "未知的单位代码“999999”"),
    (("--year", "2031",), "2031 年没有项目或预算数据"),
])
def test_an_unknown_unit_or_year_gives_exit_status_2(seeded, args, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        run(*args)
    assert excinfo.value.returncode == 2


def test_accepted_findings_are_left_out_unless_asked_for(seeded):
    finding = next(f for f in review_unit(seeded.unit, 2025).findings if f.rule == "detail_sum_mismatch")
    accept_finding(finding, unit=seeded.unit, user=None, note="四舍五入")
    assert "已接受 1 个（未列出，加 --all 显示）" in run("--year", "2025")
    assert "detail_sum_mismatch（已接受）" in run("--year", "2025", "--all")
    items = json.loads(run("--year", "2025", "--json", "--all"))
    assert [i["decision_note"] for i in items if i["status"] == "accepted"] == ["四舍五入"]
