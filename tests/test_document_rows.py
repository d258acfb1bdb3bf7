"""performance.document.rows: the parser's projects as TargetRows, nothing filled in."""

import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from performance.document import (
    ERROR,
    Finding,
    ParsedIndicator,
    ParsedProject,
    ParseResult,
    parse_table13_text,
)
from performance.document.rows import RowProblem, draft_rows, to_target_rows
from performance.domain import Direction, Grade, Operator
from performance.seed import read_table13_tsv

DATA = Path(__file__).parent / "data"
SEED_TEXT = DATA / "000_db523993c574d7b7.txt"
BROKEN_LINE = 608
FIXED = "\t\t\t\t满意度指标\t满意度指标\t参保对象满意度\t≥\t98\t%\t10\t正向指标"


def seed_text(fixed: bool = False) -> str:
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    if fixed:
        assert lines[BROKEN_LINE - 1].endswith("参保对象满意度\t≥\t98")
        lines[BROKEN_LINE - 1] = FIXED
    return "\n".join(lines) + "\n"


def without_source(rows):
    return [replace(r, source_row=None) for r in rows]


def indicator(**changes):
    values = dict(level1="产出指标", level2="数量指标", name="培训人数", operator=Operator.GE,
                  target_value=Decimal(50), target_grade=None, unit="人", weight=Decimal(90),
                  direction=Direction.POSITIVE, source_line=11, target_text="50")
    return ParsedIndicator(**{**values, **changes})


def result(*indicators, findings=(), **project):
    values = dict(unit_code="342601", unit_name="广元市社会保险事务中心", name="测试项目",
                  budget=Decimal("10.00"), goal="完成目标。", source_line=10)
    p = ParsedProject(**{**values, **project}, indicators=list(indicators))
    return ParseResult(projects=[p], findings=list(findings))


def test_the_seed_gives_89_rows_and_leaves_the_lost_row_out_without_a_second_report():
    parsed = parse_table13_text(seed_text())
    rows, problems = to_target_rows(parsed)
    assert len(rows) == 89 and problems == []
    assert BROKEN_LINE not in {r.source_row for r in rows}
    assert any(f.line == BROKEN_LINE and f.severity == ERROR for f in parsed.findings)


def test_the_fixed_seed_gives_the_rows_of_the_transcription():
    rows, problems = to_target_rows(parse_table13_text(seed_text(fixed=True)))
    assert problems == []
    assert without_source(rows) == without_source(read_table13_tsv(DATA / "table13-2025.tsv"))
    assert rows[0].source_row == 521  # the document line


def test_drafts_keep_every_indicator_with_none_where_the_document_lost_a_cell():
    drafts = draft_rows(parse_table13_text(seed_text()))
    assert len(drafts) == 90
    (lost,) = [d for d in drafts if d.source_row == BROKEN_LINE]
    assert (lost.name, lost.operator, lost.target_value) == ("参保对象满意度", Operator.GE,
                                                             Decimal(98))
    assert (lost.unit, lost.weight, lost.direction) == (None, None, None)
    qualitative = [d for d in drafts if d.operator is Operator.QUALITATIVE]
    assert qualitative and all(d.target_grade and d.target_value is None for d in qualitative)


def test_an_incomplete_indicator_the_parser_did_not_report_is_a_problem_not_a_guess():
    parsed = result(indicator(weight=None, direction=None))
    rows, problems = to_target_rows(parsed)
    assert rows == []
    assert problems == [RowProblem(11, "权重", "文件中没有权重，未作推断"),
                        RowProblem(11, "指标方向性", "文件中没有指标方向性，未作推断")]


def test_a_line_the_parser_reported_is_not_reported_again():
    finding = Finding(ERROR, 11, "x", "缺少权重")
    rows, problems = to_target_rows(result(indicator(weight=None), findings=[finding]))
    assert rows == [] and problems == []


def test_a_project_without_budget_gives_no_rows():
    rows, problems = to_target_rows(result(indicator(), budget=None))
    assert rows == [] and problems == [RowProblem(10, "预算数", "文件中没有预算数，未作推断")]


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"weight": Decimal("3.333")}, "权重", "最多保留 2 位小数"),
    ({"weight": Decimal(0)}, "权重", "大于 0"),
    ({"name": "长" * 101}, "三级指标", "超过 100 个字"),
    ({"unit": "单" * 31}, "度量单位", "超过 30 个字"),
    ({"target_value": Decimal("1e20")}, "指标值", "数值超出范围"),
    ({"operator": Operator.QUALITATIVE, "target_grade": None, "target_text": "95"},
     "指标值", "应为优/良/中/差，而不是“95”"),
])
def test_values_that_do_not_fit_their_column_are_problems(changes, column, words):
    rows, problems = to_target_rows(result(indicator(**changes)))
    assert rows == []
    assert [p.column for p in problems] == [column] and words in problems[0].message


def test_values_are_converted_as_the_columns_store_them():
    qualitative = indicator(operator=Operator.QUALITATIVE, target_value=None,
                            target_grade=Grade.EXCELLENT, unit=None, name="定性")
    rows, problems = to_target_rows(result(indicator(), qualitative),
                                    level_names=lambda a, b: (a, b + "（参考）"))
    assert problems == []
    first, second = rows
    assert (first.budget, first.weight, first.target_value) == (
        Decimal("10.00"), Decimal("90.00"), Decimal("50.0000"))
    assert first.level2 == "数量指标（参考）"
    assert (second.unit, second.target_grade, second.target_value) == ("", Grade.EXCELLENT, None)


def test_rows_module_is_pure():
    code = ("import sys, performance.document.rows;"
            "bad = [m for m in sys.modules if m.split('.')[0] == 'django'];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)
