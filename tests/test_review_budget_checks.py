"""The pure cross-checks of the budget tables: printed totals and 款 lines against their lines."""

from decimal import Decimal as D

from performance.review.budget_checks import (
    LineFacts,
    TotalFacts,
    check_budget_tables,
    check_detail_sums,
    check_printed_totals,
)
from performance.review.facts import ProjectFacts


def t3(code, kind, amount):
    return LineFacts(table="t3", kind=kind, amount=D(amount), functional_code=code, name=code)


def t7(code, kind, amount, id=None, parent_id=None, name="经费"):
    return LineFacts(table="t7", kind=kind, amount=D(amount), economic_code=code, name=name,
                     id=id, parent_id=parent_id)


def t8(name, amount):
    return LineFacts(table="t8", kind="project", amount=D(amount), functional_code="2080109",
                     name=name)


def total(table, label, column, amount, scope="", item_count=None):
    return TotalFacts(table=table, label=label, column=column, amount=D(amount), scope=scope,
                      item_count=item_count)


T3 = [t3("2080109", "basic", "10.00"), t3("2080109", "project", "5.00"),
      t3("2101101", "basic", "2.50")]
T7 = [t7("30101", "personnel", "6.00"), t7("30201", "public", "3.50"),
      t7("30305", "personnel", "3.00")]


def test_table1_scopes_are_summed_from_table3_lines_by_functional_prefix():
    good = [total("t1", "社会保障和就业支出", "预算数", "15.00", "208"),
            total("t1", "本年支出合计", "预算数", "17.50")]
    assert check_printed_totals(T3, good) == []
    (finding,) = check_printed_totals(T3, [total("t1", "社会保障和就业支出", "预算数", "14.99", "208")])
    assert finding.rule == "printed_total_mismatch"
    assert "印为 14.99 万元" in finding.message and "15.00 万元" in finding.message
    assert "相差 -0.01 万元" in finding.message and "四舍五入" in finding.message


def test_table3_columns_and_subject_totals_are_checked():
    good = [total("t3", "合计", "基本支出", "12.50"), total("t3", "合计", "项目支出", "5.00"),
            total("t3", "社会保险经办机构", "合计", "15.00", "2080109")]
    assert check_printed_totals(T3, good) == []
    (finding,) = check_printed_totals(T3, [total("t3", "合计", "基本支出", "13.50")])
    assert "相差 +1.00 万元" in finding.message and "四舍五入" not in finding.message


def test_table7_personnel_public_and_class_totals_are_checked():
    good = [total("t7", "合计", "人员经费", "9.00"), total("t7", "合计", "公用经费", "3.50"),
            total("t7", "工资福利支出", "合计", "6.00", "301"), total("t7", "合计", "合计", "12.50")]
    assert check_printed_totals(T7, good) == []
    findings = check_printed_totals(T7, [total("t7", "合计", "人员经费", "8.99"),
                                         total("t7", "对个人和家庭的补助", "合计", "3.10", "303")])
    assert [f.subject for f in findings] == ["t7:合计:人员经费", "t7:对个人和家庭的补助:合计"]


def test_detail_rows_are_not_counted_twice_in_a_total():
    lines = [t7("30101", "personnel", "6.00", id=1), t7("3010101", "personnel", "6.00", parent_id=1)]
    assert check_printed_totals(lines, [total("t7", "合计", "人员经费", "6.00")]) == []


def test_a_total_of_a_table_that_was_not_loaded_is_not_checked():
    assert check_printed_totals(T7, [total("t1", "本年支出合计", "预算数", "99")]) == []


def test_a_kuan_line_is_checked_against_its_details():
    lines = [t7("30101", "personnel", "233.90", id=1, name="基本工资"),
             t7("3010101", "personnel", "3.02", parent_id=1, name="晋级工资"),
             t7("3010102", "personnel", "230.87", parent_id=1, name="基本工资"),
             t7("30112", "personnel", "1.18", id=2),
             t7("3011202", "personnel", "1.18", parent_id=2)]
    (finding,) = check_detail_sums(lines)
    assert finding.rule == "detail_sum_mismatch" and finding.subject == "t7:30101"
    assert "233.90" in finding.message and "233.89" in finding.message and "+0.01" in finding.message


def test_target_categories_are_checked_against_tables_7_and_8_and_the_projects():
    lines = T7 + [t8("甲项目", "4.00"), t8("乙项目", "1.00")]
    projects = [ProjectFacts(name="甲项目", budget=D("4.00")), ProjectFacts(name="乙项目", budget=D("1.00"))]
    good = [total("targets", "人员类项目", "涉及预算", "9.00", "personnel"),
            total("targets", "运转类项目", "涉及预算", "3.50", "operation"),
            total("targets", "特定目标类项目", "涉及预算", "5.00", "specific", item_count=2),
            total("targets", "开展绩效目标管理的项目", "涉及预算", "17.50")]
    assert check_printed_totals(lines, good, projects) == []
    bad = [total("targets", "人员类项目", "涉及预算", "9.01", "personnel"),
           total("targets", "特定目标类项目", "涉及预算", "5.00", "specific", item_count=3)]
    findings = check_printed_totals(lines, bad, projects[:1])
    assert {f.rule for f in findings} == {"target_category_mismatch"}
    messages = " ".join(f.message for f in findings)
    assert "表7 人员经费各行合计 9.00 万元" in messages
    assert "表13 各项目预算数合计 4.00 万元" in messages
    assert "项目个数印为 3 个，表8 列有 2 个" in messages


def test_tables_are_checked_unit_by_unit():
    a = [LineFacts(table="t3", kind="basic", amount=D("1"), functional_code="208", unit_code="A",
                   year=2025)]
    b = [LineFacts(table="t3", kind="basic", amount=D("2"), functional_code="208", unit_code="B",
                   year=2025)]
    totals = [TotalFacts(table="t1", label="本年支出合计", column="预算数", amount=D("1"),
                         unit_code="A", year=2025),
              TotalFacts(table="t1", label="本年支出合计", column="预算数", amount=D("1"),
                         unit_code="B", year=2025)]
    (finding,) = check_budget_tables(a + b, totals)
    assert finding.unit_code == "B"
