"""performance.document.pdf: a small 表13 drawn with reportlab (CJK CID font, ruled table, merged
project cells, a page break inside a project, page numbers) is read back exactly."""

from decimal import Decimal

import pytest

from performance.document import parse_table13_lines
from performance.document.pdf import extract_pdf_lines
from performance.domain import Direction, Grade, Operator

pytest.importorskip("pdfplumber")
reportlab = pytest.importorskip("reportlab")

HEADER = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标",
          "指标性质", "指标值", "度量单位", "权重", "指标方向性"]
UNIT = "342601-广元市社会保险事务中心"
GOAL1 = "维持社会保险费征收业务系统正常运行，业务办理顺畅，保障保险待遇正常支付和保险基金管理安全。"
GOAL2_PAGE1 = "通过对参保单位开展职业年金政策业务宣传培训，"
GOAL2_PAGE2 = "按规定征集基金，做到应收尽收。"

PROJECT1 = [
    ["产出指标", "数量指标", "购置多功能打印机数量", "≥", "2", "台/套", "40", "正向指标"],
    ["产出指标", "数量指标", "IPTV 宣传场次", "≥", "630", "次", "20", "正向指标"],
    ["效益指标", "可持续影响指标", "信息化系统后续可拓展性", "定性", "优", "级", "30", "正向指标"],
]
PROJECT2_PAGE1 = [
    ["产出指标", "数量指标", "集体油粮种植数量", "≥", "1,550", "平方米/公里", "30", "正向指标"],
    ["产出指标", "时效指标", "培训项目完成时间", "≤", "1", "年", "20", "反向指标"],
]
PROJECT2_PAGE2 = [
    ["成本指标", "经济成本指标", "社会保险征缴工作经费", "≤", "2.5", "万元/年", "30", "反向指标"],
    ["满意度指标", "满意度指标", "参保对象满意度", "＝", "100", "%", "10", "正向指标"],
]


def _build_pdf(path):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell = ParagraphStyle("cell", fontName="STSong-Light", fontSize=7, leading=9, wordWrap="CJK")
    title = ParagraphStyle("title", fontName="STSong-Light", fontSize=14, leading=20)
    small = ParagraphStyle("small", fontName="STSong-Light", fontSize=8, leading=12)
    widths = [62, 60, 36, 120, 42, 48, 72, 32, 34, 38, 26, 44]

    def table(project_rows):
        """project_rows: [(left 4 cells, [indicator rows])]; left cells merged vertically."""
        data, spans, start = [[Paragraph(h, cell) for h in HEADER]], [], 1
        for left, indicators in project_rows:
            for k, indicator in enumerate(indicators):
                data.append([Paragraph(c, cell) for c in (left if k == 0 else [""] * 4)]
                            + [Paragraph(c, cell) for c in indicator])
            end = start + len(indicators) - 1
            spans += [("SPAN", (col, start), (col, end)) for col in range(4)]
            start = end + 1
        t = Table(data, colWidths=widths)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans]))
        return t

    def page_number(canvas, doc):
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(landscape(A4)[0] / 2, 20, f"- {doc.page} -")

    story = [
        Paragraph("表13", title),
        Paragraph("部门预算项目绩效目标表（2025年度）", title),
        Paragraph("金额单位：万元", small),
        table([([UNIT, "社会保险信息网络建设维护费", "7.00", GOAL1], PROJECT1),
               ([UNIT, "年金征缴工作经费", "2.50", GOAL2_PAGE1], PROJECT2_PAGE1)]),
        PageBreak(),
        table([(["", "", "", GOAL2_PAGE2], PROJECT2_PAGE2)]),
    ]
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4))
    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)


@pytest.fixture(scope="module")
def pdf_lines(tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "table13.pdf"
    _build_pdf(path)
    return extract_pdf_lines(path)


def test_extracted_lines_look_like_the_seed_text(pdf_lines):
    assert "表13" in pdf_lines and "- 1 -" in pdf_lines and "- 2 -" in pdf_lines
    rows = [line.split("\t") for line in pdf_lines if "\t" in line]
    assert all(len(r) == 12 for r in rows)
    assert sum(1 for r in rows if r[0].replace(" ", "") == "单位名称") == 2  # header on each page
    assert any(r[0].startswith("342601-") for r in rows)


def test_pdf_round_trip_parses_both_projects_exactly(pdf_lines):
    result = parse_table13_lines(pdf_lines)
    assert result.findings == []
    first, second = result.projects
    assert (first.unit, first.name, first.budget, first.goal) == (
        UNIT, "社会保险信息网络建设维护费", Decimal("7.00"), GOAL1)
    assert (second.unit, second.name, second.budget, second.goal) == (
        UNIT, "年金征缴工作经费", Decimal("2.50"), GOAL2_PAGE1 + GOAL2_PAGE2)

    def cells(i):
        target = i.target_grade.value if i.target_grade else i.target_value
        return [i.level1, i.level2, i.name, i.operator, target, i.unit, i.weight, i.direction]

    def expected(r):
        target = r[4] if r[3] == "定性" else Decimal(r[4].replace(",", ""))
        return [r[0], r[1], r[2], Operator(r[3]), target, r[5], Decimal(r[6]), Direction(r[7])]

    assert [cells(i) for i in first.indicators] == [expected(r) for r in PROJECT1]
    assert [cells(i) for i in second.indicators] == [
        expected(r) for r in PROJECT2_PAGE1 + PROJECT2_PAGE2]
    assert first.indicators[2].target_grade is Grade.EXCELLENT
    assert first.weight_total == second.weight_total == 90
