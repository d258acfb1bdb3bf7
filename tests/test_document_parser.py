"""performance.document: the 表13 parser on the seed document, on small texts with each kind of
break, and on a PDF generated here and read back with pdfplumber."""

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from performance.document import ERROR, WARNING, parse_table13_lines, parse_table13_text
from performance.domain import Direction, Grade, Operator
from performance.normalize import normalize_direction, normalize_operator, parse_decimal

DATA = Path(__file__).parent / "data"
SEED_TEXT = DATA / "000_db523993c574d7b7.txt"
SEED_TSV = DATA / "table13-2025.tsv"
AUDIT = "社会保险委托稽核和基金管理专项经费"

HEADER = "\t".join(["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标",
                    "三级指标", "指标性质", "指标值", "度量单位", "权重", "指标方向性"])
TOP = ["表 13", "", "部门预算项目绩效目标表（2025 年度）\t", "", "金额单位：万元", "", HEADER]
UNIT = "342601-广元市社会保险事务中心"


def row(*cells):
    return "\t".join(cells)


def ind(*cells, lead=4):
    """An indicator line with `lead` empty project cells before it."""
    return "\t" * lead + "\t".join(cells)


def parse(*lines, **kwargs):
    return parse_table13_lines([*TOP, *lines], **kwargs)


def line_of(lines, text):
    """1-based number, in TOP + lines, of the line that contains `text`."""
    return next(n for n, line in enumerate([*TOP, *lines], start=1) if text in line)


# A complete three-indicator project whose weights add up to 90.
def project(name="测试项目", budget="10.00", goal="完成目标。", unit=UNIT):
    return [
        row(unit, name, budget, goal, "产出指标", "数量指标", "培训人数", "≥", "50", "人", "30",
            "正向指标"),
        ind("效益指标", "社会效益指标", "维护参保人员权益", "定性", "优", "级", "30", "正向指标"),
        ind("满意度指标", "满意度指标", "参保对象满意度", "≥", "95", "%", "30", "正向指标"),
    ]


# ---------------------------------------------------------------- the seed document
@pytest.fixture(scope="module")
def seed():
    return parse_table13_text(SEED_TEXT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_lines():
    return SEED_TEXT.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def tsv_rows():
    with SEED_TSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert rows[0][:3] == ["单位名称", "项目名称", "预算数"]
    return rows[1:]


def test_seed_recovers_seven_projects_and_ninety_indicators(seed):
    assert len(seed.projects) == 7
    assert seed.indicator_count == 90
    assert [len(p.indicators) for p in seed.projects] == [16, 15, 13, 10, 14, 13, 9]


def test_seed_matches_transcription_cell_by_cell(seed, tsv_rows):
    parsed = [(p, i) for p in seed.projects for i in p.indicators]
    assert len(parsed) == len(tsv_rows) == 90
    for (p, i), t in zip(parsed, tsv_rows, strict=True):
        lost = p.name == AUDIT and i is p.indicators[-1]
        where = f"line {i.source_line}: {i.name}"
        assert p.unit == t[0], where
        assert p.name == t[1], where
        assert p.budget == parse_decimal(t[2]) and isinstance(p.budget, Decimal), where
        assert p.goal == t[3], where
        assert (i.level1, i.level2, i.name) == (t[4], t[5], t[6]), where
        assert i.operator is normalize_operator(t[7]) is not None, where
        if i.operator is Operator.QUALITATIVE:
            assert (i.target_grade, i.target_value) == (Grade(t[8]), None), where
        else:
            assert (i.target_value, i.target_grade) == (parse_decimal(t[8]), None), where
        if lost:  # the document lost these cells: the parser must not fill them in
            assert (i.unit, i.weight, i.direction) == (None, None, None), where
        else:
            assert i.unit == t[9], where
            assert i.weight == parse_decimal(t[10]), where
            assert i.direction is normalize_direction(t[11]) is not None, where


def test_seed_transcription_spells_equal_as_ascii_and_parser_gives_canonical(seed, tsv_rows):
    assert {t[7] for t in tsv_rows} == {"≥", "≤", "=", "定性"}
    assert Operator.EQ in {i.operator for p in seed.projects for i in p.indicators}


def test_seed_lost_cells_are_a_finding_with_line_and_text(seed, seed_lines):
    last = seed.projects[5].indicators[-1]
    assert seed.projects[5].name == AUDIT and last.name == "参保对象满意度"
    assert last.target_value == Decimal(98) and last.operator is Operator.GE
    (finding,) = [f for f in seed.findings if f.line == last.source_line]
    assert finding.severity == ERROR
    assert finding.text == seed_lines[last.source_line - 1]
    for word in ("参保对象满意度", "度量单位", "权重", "指标方向性", "未作推断"):
        assert word in finding.message


def test_seed_reports_weights_not_adding_up(seed):
    audit = seed.projects[5]
    assert audit.weight_total == Decimal(80)
    (finding,) = [f for f in seed.findings if f.line == audit.source_line]
    assert AUDIT in finding.message and "80" in finding.message and "90" in finding.message
    assert all(p.weight_total == 90 for p in seed.projects if p is not audit)


def test_seed_findings_are_exactly_the_honest_ones(seed):
    summary = sorted((f.line, f.severity) for f in seed.findings)
    assert summary == [(545, WARNING), (595, WARNING), (608, ERROR)]
    (dup,) = [f for f in seed.findings if f.line == 545]
    assert "城镇职工基本养老保险参保人数" in dup.message  # the repeated 险 is reported


def test_seed_source_lines_and_split_cells(seed):
    assert [p.source_line for p in seed.projects] == [521, 538, 555, 569, 580, 595, 609]
    by_name = {i.name: i for p in seed.projects for i in p.indicators}
    assert by_name["集体油粮种植数量"].unit == "平方米/公里"
    assert by_name["乡村振兴实施成果验收合格率"].source_line == 614
    assert by_name["IPTV 宣传场次"].unit == "次"
    assert by_name["云 MAS 短信服务费"].weight == 5
    assert by_name["新开工建设项目工伤保险参保率"].direction is Direction.POSITIVE
    assert seed.projects[4].budget == Decimal("36.8")


def test_seed_with_other_weight_total_parameter(seed_lines):
    result = parse_table13_lines(seed_lines, weight_total=100)
    assert len([f for f in result.findings if "应为100" in f.message]) == 7


# ---------------------------------------------------------------- small texts, each break
def test_clean_small_table_has_no_findings():
    result = parse(*project())
    assert result.findings == []
    (p,) = result.projects
    assert (p.unit_code, p.unit_name, p.unit) == ("342601", "广元市社会保险事务中心", UNIT)
    assert (p.name, p.budget, p.goal) == ("测试项目", Decimal("10.00"), "完成目标。")
    assert p.source_line == 8
    assert [i.name for i in p.indicators] == ["培训人数", "维护参保人员权益", "参保对象满意度"]
    assert p.indicators[1].target_grade is Grade.EXCELLENT and p.indicators[1].unit == "级"


def test_goal_split_across_lines_and_placed_in_later_rows():
    lines = project(goal="协助政府代发放离休、退休人员遗孀困难补助，减轻财政工作负")
    lines.insert(2, "")
    lines.insert(3, row("", "", "", "担。", "产出指标", "数量指标", "发放批次", "≥", "60", "批次",
                        "0", "正向指标"))
    lines.append(row("", "", "", "另起一行的目标。"))
    result = parse(*lines)
    (p,) = result.projects
    assert p.goal == "协助政府代发放离休、退休人员遗孀困难补助，减轻财政工作负担。另起一行的目标。"
    assert len(p.indicators) == 4 and result.findings == []


def test_indicator_name_continuation_line():
    lines = project()
    lines.insert(1, ind("产出指标", "数量指标", "城镇职工基本养老", "≥", "68.32", "万人", "0",
                        "正向指标"))
    lines.insert(2, "")
    lines.insert(3, "\t" * 6 + "保险参保人数" + "\t" * 6)
    result = parse(*lines)
    names = [i.name for i in result.projects[0].indicators]
    assert names[1] == "城镇职工基本养老保险参保人数"
    assert result.findings == []


def test_indicator_name_continuation_repeating_a_character_is_joined_and_reported():
    lines = project()
    lines.insert(1, ind("产出指标", "数量指标", "城镇职工基本养老保险", "≥", "68.32", "万人", "0",
                        "正向指标"))
    lines.insert(2, "\t" * 6 + "险参保人数")
    result = parse(*lines)
    assert result.projects[0].indicators[1].name == "城镇职工基本养老保险参保人数"
    (f,) = result.findings
    assert f.severity == WARNING and f.line == line_of(lines, "险参保人数") and "险" in f.message


def test_unit_with_stray_space_and_unit_split_onto_next_line():
    lines = project()
    lines.insert(1, ind("产出指标", "数量指标", "集体油粮种植数量", "≥", "550", "平方米/ 公里", "0",
                        "正向指标"))
    lines.insert(2, ind("产出指标", "数量指标", "道路长度", "≥", "3", "平方米/", "0", "正向指标"))
    lines.insert(3, "\t" * 9 + "公里")
    result = parse(*lines)
    units = [i.unit for i in result.projects[0].indicators]
    assert units[1:3] == ["平方米/公里", "平方米/公里"]
    assert result.findings == []


def test_unit_name_and_project_name_split_over_two_lines():
    lines = project(name="社会保险委托稽核", unit="342601-广元市社会",
                    goal="1. 稽核处理参保投诉年均 50 件；2. 违规领")
    lines[1] = row("保险事务中心", "和基金管理专项经费", "", "待追缴；3. 到县区开展相关稽核检查。",
                   "效益指标", "社会效益指标", "维护参保人员权益", "定性", "优", "级", "30",
                   "正向指标")
    result = parse(*lines)
    (p,) = result.projects
    assert p.unit == UNIT and p.name == AUDIT
    assert p.goal == "1. 稽核处理参保投诉年均 50 件；2. 违规领待追缴；3. 到县区开展相关稽核检查。"
    assert result.findings == []


def test_shifted_layout_without_budget_column_on_continuation_line():
    lines = [
        row("342601-广", "乡村振兴", "3.64", "切实抓好乡村振兴战", "产出指标", "数量指标",
            "贫困监测户数", "=", "6", "户", "30", "正向指标"),
        "",
        row("元市社会 保险事务 中心", "经费", "略，开展促进乡村产业振兴。", "产出指标", "数量指标",
            "乡村振兴脱贫户", "≥", "136", "户", "30", "正向指标"),
        ind("满意度指标", "帮扶对象满意度指标", "人民群众满意度指标", "≥", "95", "%", "30",
            "正向指标", lead=3),
    ]
    result = parse(*lines)
    (p,) = result.projects
    assert (p.unit, p.name, p.budget) == (UNIT, "乡村振兴经费", Decimal("3.64"))
    assert p.goal == "切实抓好乡村振兴战略，开展促进乡村产业振兴。"
    assert p.indicators[0].operator is Operator.EQ
    assert p.indicators[2].level2 == "帮扶对象满意度指标"
    assert result.findings == []


def test_extra_empty_cells_shift_columns():
    lines = [
        row(UNIT, "企保、机保代财政管理工作经费（原代管工作经费）", "", "18.00", "协助政府。",
            "产出指标", "数量指标", "代财政发放人次数", "≥", "1,100", "人次", "30", "", "正向指标"),
        ind("产出指标", "时效指标", "发放完成时间", "≤", "1", "年", "30", "", "", "反向指标"),
        ind("满意度指标", "满意度指标", "补助人员满意度", "＝", "100", "%", "30", "正向指标",
            lead=5),
    ]
    result = parse(*lines)
    (p,) = result.projects
    assert p.name == "企保、机保代财政管理工作经费（原代管工作经费）" and p.budget == 18
    assert [i.direction for i in p.indicators] == [Direction.POSITIVE, Direction.NEGATIVE,
                                                  Direction.POSITIVE]
    assert p.indicators[0].target_value == 1100
    assert result.findings == []


def test_page_break_with_repeated_header_and_page_numbers():
    goal = "保证离退休人员社会化管理服务工作正常开展，推进我市企业退休人员社"
    first, second, third = project(goal=goal)
    lines = [first, second, "", "- 23 -", "", "第 24 页", "表 13", "部门预算项目绩效目标表（续）",
             "金额单位：万元", HEADER, "",
             row("", "", "", "会化管理服务工作，维护社会稳定。", *third.split("\t")[4:]),
             "24/30"]
    result = parse(*lines)
    (p,) = result.projects
    assert p.goal == goal + "会化管理服务工作，维护社会稳定。"
    assert len(p.indicators) == 3 and result.findings == []


def test_row_shifted_right_losing_cells_is_left_empty_and_reported():
    lines = project()
    lines[2] = "\t" * 7 + row("满意度指标", "满意度指标", "参保对象满意度", "≥", "98")
    result = parse(*lines)
    last = result.projects[0].indicators[-1]
    assert (last.target_value, last.unit, last.weight, last.direction) == (98, None, None, None)
    errors = [(f.line, f.severity) for f in result.findings]
    assert errors == [(8, WARNING), (10, ERROR)]
    assert "60" in result.findings[0].message and "缺少权重" in result.findings[0].message


def test_unreadable_value_is_an_error_and_left_empty():
    lines = project()
    lines[2] = ind("满意度指标", "满意度指标", "参保对象满意度", "≥", "约95", "%", "30", "正向指标")
    result = parse(*lines)
    last = result.projects[0].indicators[-1]
    assert last.target_value is None and last.target_text == "约95"
    (f,) = result.findings
    assert f.severity == ERROR and f.line == 10 and "指标值“约95”不是数字" in f.message


def test_value_with_inline_operator_and_unit():
    lines = project()
    lines[2] = ind("满意度指标", "满意度指标", "参保对象满意度", "≥", "≥９５％", "30", "正向指标")
    result = parse(*lines)
    last = result.projects[0].indicators[-1]
    assert (last.target_value, last.unit, last.weight) == (Decimal(95), "%", Decimal(30))
    assert result.findings == []


def test_operator_spellings_in_the_document_are_normalised():
    lines = project()
    lines[0] = lines[0].replace("\t≥\t", "\t大于等于\t")
    lines[2] = lines[2].replace("\t≥\t", "\t> =\t").replace("正向指标", "正向")
    result = parse(*lines)
    inds = result.projects[0].indicators
    assert inds[0].operator is inds[2].operator is Operator.GE
    assert inds[2].direction is Direction.POSITIVE and result.findings == []


def test_weights_not_adding_up_to_the_parameter():
    result = parse(*project(), weight_total=100)
    (f,) = result.findings
    assert f.severity == WARNING and f.line == 8 and "90" in f.message and "100" in f.message


def test_two_projects_and_section_end_at_the_next_table():
    lines = [*project(), *project(name="第二个项目", budget="1,183.38"), "表 14",
             row(UNIT, "不是表13的项目", "1.00", "目标", "产出指标", "数量指标", "x", "≥", "1",
                 "个", "90", "正向指标")]
    result = parse(*lines)
    assert [p.name for p in result.projects] == ["测试项目", "第二个项目"]
    assert result.projects[1].budget == Decimal("1183.38")
    assert result.findings == []


def test_table_of_contents_entry_is_not_the_table():
    lines = ["目 录", "十三、部门预算项目支出绩效目标表", "第一部分 单位概况", "正文……", *TOP,
             *project()]
    result = parse_table13_lines(lines)
    assert len(result.projects) == 1 and result.findings == []


def test_no_table13_is_an_error():
    result = parse_table13_text("表 12\n国有资本经营预算支出预算表\n备注：本表无数据。")
    assert result.projects == []
    (f,) = result.findings
    assert f.severity == ERROR and "未找到表13" in f.message


def test_header_without_title_parses_with_a_warning():
    result = parse_table13_lines([HEADER, *project()])
    assert len(result.projects) == 1
    assert [(f.severity, f.line) for f in result.findings] == [(WARNING, 1)]


def test_text_that_cannot_be_placed_is_reported_not_dropped_silently():
    orphan = ind("产出指标", "数量指标", "孤立指标", "≥", "1", "个", "90", "正向指标")
    lines = [row("", "", "", "无主的目标文字"), orphan, *project(),
             "\t" * 8 + "99", "页眉文字没有制表符"]
    result = parse(*lines)
    assert len(result.projects) == 1 and len(result.projects[0].indicators) == 3
    messages = {f.line: (f.severity, f.message) for f in result.findings}
    assert messages[8][0] == ERROR and "无主的目标文字" in messages[8][1]
    assert messages[9][0] == ERROR and "无法归属" in messages[9][1]
    assert messages[13][0] == ERROR and "无法对应" in messages[13][1]
    assert messages[14][0] == WARNING and "表外文字" in messages[14][1]


def test_missing_budget_and_local_level1_names():
    lines = project(budget="待定")
    lines[1] = ind("履职效能指标", "工作质量指标", "办结率", "≥", "95", "%", "30", "正向指标")
    result = parse(*lines)
    (p,) = result.projects
    assert p.budget is None and len(p.indicators) == 3
    assert p.indicators[1].level1 == "履职效能指标"
    by_line = {f.line: f for f in result.findings}
    assert by_line[8].severity == ERROR and "预算数" in by_line[8].message
    assert by_line[9].severity == WARNING and "履职效能指标" in by_line[9].message


def test_line_numbers_and_text_point_at_the_source():
    lines = project()
    lines[1] = ind("效益指标", "社会效益指标", "维护参保人员权益", "定性", "优", "级", "20", "横向")
    result = parse(*lines)
    (f, g) = result.findings
    assert (f.line, f.text) == (8, lines[0]) and "权重合计为80" in f.message
    assert (g.line, g.text) == (9, lines[1]) and "指标方向性“横向”无法识别" in g.message
    assert result.projects[0].indicators[1].direction is None


def test_goal_continuation_starting_with_digits_and_dash_is_not_a_new_project():
    lines = project()
    lines[1] = row("", "", "", "2025-2027年持续推进。", *lines[1].split("\t")[4:])
    result = parse(*lines)
    (p,) = result.projects
    assert p.goal == "完成目标。2025-2027年持续推进。" and result.findings == []


def test_parser_modules_are_pure():
    code = ("import sys, performance.document, performance.document.pdf, performance.normalize;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'pdfplumber')];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


_CELLS = st.sampled_from(["", "", "", UNIT, "产出指标", "数量指标", "满意度指标", "≥", "定性", "优",
                          "95", "约95", "%", "10", "正向指标", "反向", "险参保人数", "表 14", "x"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELLS, max_size=14).map("\t".join), max_size=25))
def test_parser_never_raises_and_keeps_every_indicator_inside_a_project(lines):
    result = parse(*lines)
    assert all(f.severity in (ERROR, WARNING) and f.message for f in result.findings)
    for p in result.projects:
        for i in p.indicators:
            assert i.source_line >= p.source_line
            assert i.target_value is None or isinstance(i.target_value, Decimal)
