"""Build the default Word templates of the reports (docxtpl: Jinja tags inside a .docx).

Run once after changing this script and commit the .docx files it writes:

    .venv/bin/python -m performance.reports.build_templates

Every field a template uses is documented in docs/reports.md; a deployment's own template
(REPORT_TEMPLATE_DIR) may use any of them, in any layout. Each Jinja tag sits alone in one run
(python-docx writes a paragraph's text as one run), so Word never splits a tag; row loops are
docxtpl's `{%tr for … %}` / `{%tr endfor %}` rows, paragraph loops `{%p for … %}`.

Standalone on purpose: python-docx only, no Django.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent / "templates_docx"
BODY_FONT, HEADING_FONT = "宋体", "黑体"


def _font(style, name: str, size: int | None = None, bold: bool | None = None) -> None:
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
    style.font.color.rgb = None


def new_document(landscape: bool = False) -> Document:
    doc = Document()
    _font(doc.styles["Normal"], BODY_FONT, 11)
    for level, size in ((0, 18), (1, 15), (2, 13)):
        _font(doc.styles["Title" if level == 0 else f"Heading {level}"], HEADING_FONT, size, True)
    section = doc.sections[0]
    if landscape:
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    return doc


def title(doc, text: str) -> None:
    heading = doc.add_heading(text, level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER


def line(doc, text: str, *, center: bool = False) -> None:
    paragraph = doc.add_paragraph(text)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def facts(doc, pairs: list[tuple[str, str]]) -> None:
    """A two-column table of labels and fields."""
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, field in pairs:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, field
        cells[0].paragraphs[0].runs[0].bold = True
        cells[0].width, cells[1].width = Cm(4.5), Cm(12)


def loop_table(doc, headers: list[str], loop: str, fields: list[str]) -> None:
    """A table with a header row and one row per item: `{%tr for <loop> %}` … `{%tr endfor %}`."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
        cell.paragraphs[0].runs[0].bold = True
    table.add_row().cells[0].text = f"{{%tr for {loop} %}}"
    for cell, field in zip(table.add_row().cells, fields, strict=True):
        cell.text = field
    table.add_row().cells[0].text = "{%tr endfor %}"


def paragraphs(doc, loop: str, text: str, empty: str) -> None:
    """One paragraph per item of a list, or `empty` when the list is empty."""
    name = loop.split(" in ", 1)[1]
    doc.add_paragraph(f"{{%p if {name} %}}")
    doc.add_paragraph(f"{{%p for {loop} %}}")
    doc.add_paragraph(text)
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph(empty)
    doc.add_paragraph("{%p endif %}")


def self_evaluation() -> Document:
    doc = new_document()
    title(doc, "{{ year }} 年度项目支出绩效自评报告")
    line(doc, "{{ unit_code }} {{ unit_name }} · {{ project_name }}", center=True)
    line(doc, "评价期间：{{ period_name }}（{{ period_code }}）    金额单位：万元", center=True)

    doc.add_heading("一、基本情况", level=1)
    facts(doc, [("单位", "{{ unit_code }} {{ unit_name }}"), ("项目名称", "{{ project_name }}"),
                ("项目类别", "{{ category }}"), ("预算数", "{{ budget }}"),
                ("调整后预算数", "{{ adjusted_budget }}"), ("执行数", "{{ spent }}"),
                ("执行率", "{{ execution_rate }}"),
                ("计分依据目标版本", "{{ target_version }}")])

    doc.add_heading("二、绩效目标", level=1)
    doc.add_heading("（一）年度目标", level=2)
    line(doc, "{{ goal }}")
    doc.add_heading("（二）绩效指标", level=2)
    loop_table(doc, ["一级指标", "二级指标", "三级指标", "指标值"], "row in indicators",
               ["{{ row.level1 }}", "{{ row.level2 }}", "{{ row.name }}", "{{ row.target }}"])

    doc.add_heading("三、自评得分", level=1)
    line(doc, "{{ score_summary }}{{ missing_note }}")
    loop_table(doc, ["一级指标", "二级指标", "三级指标", "指标值", "完成值", "权重", "得分",
                     "未完成原因"], "row in indicators",
               ["{{ row.level1 }}", "{{ row.level2 }}", "{{ row.name }}", "{{ row.target }}",
                "{{ row.actual }}", "{{ row.weight }}", "{{ row.score }}",
                "{{ row.explanation }}"])

    doc.add_heading("四、偏差原因分析", level=1)
    doc.add_paragraph("{%p if spent_reason %}")
    line(doc, "预算执行率偏低的原因：{{ spent_reason }}")
    doc.add_paragraph("{%p endif %}")
    paragraphs(doc, "d in deviations", "{{ d.name }}：{{ d.text }}",
               "各项指标均已完成，无偏差。")

    doc.add_heading("五、问题与改进措施", level=1)
    doc.add_heading("（一）改进措施", level=2)
    paragraphs(doc, "m in measures", "{{ m.name }}：{{ m.text }}", "未填写改进措施。")
    doc.add_heading("（二）整改事项", level=2)
    doc.add_paragraph("{%p if rectifications %}")
    loop_table(doc, ["问题", "整改要求", "整改期限", "状态", "整改情况"], "r in rectifications",
               ["{{ r.problem }}", "{{ r.required_action }}", "{{ r.deadline }}",
                "{{ r.status }}", "{{ r.progress }}"])
    doc.add_paragraph("{%p else %}")
    line(doc, "本项目无整改事项。")
    doc.add_paragraph("{%p endif %}")

    line(doc, "{{ unit_name }}    {{ generated_on }}")
    return doc


def monitoring() -> Document:
    doc = new_document(landscape=True)
    title(doc, "{{ year }} 年 1–{{ cutoff_month }} 月项目支出绩效运行监控报告")
    line(doc, "{{ unit_code }} {{ unit_name }}    期间：{{ period_name }}（{{ period_code }}）"
              "    金额单位：万元", center=True)

    doc.add_heading("一、总体情况", level=1)
    line(doc, "本单位 {{ project_count }} 个项目，预算数 {{ budget }}，执行数 {{ spent }}，"
              "预算执行率 {{ execution_rate }}（时间进度 {{ time_progress }}）。"
              "红灯项目 {{ red_count }} 个，黄灯项目 {{ yellow_count }} 个。")

    doc.add_heading("二、各项目监控情况", level=1)
    loop_table(doc, ["项目", "监控灯", "预算数", "执行数", "执行率", "执行灯", "当前得分",
                     "预计全年得分", "预计等级"], "p in projects",
               ["{{ p.name }}", "{{ p.light }}", "{{ p.budget }}", "{{ p.spent }}",
                "{{ p.execution_rate }}", "{{ p.execution_light }}", "{{ p.score }}",
                "{{ p.projected_total }}", "{{ p.projected_grade }}"])

    doc.add_heading("三、进度落后的指标（红灯、黄灯）", level=1)
    doc.add_paragraph("{%p if behind %}")
    loop_table(doc, ["项目", "指标", "监控灯", "指标值", "当前完成值", "全年预计完成值",
                     "完成可能性", "偏差原因", "纠偏措施"], "b in behind",
               ["{{ b.project }}", "{{ b.name }}", "{{ b.light }}", "{{ b.target }}",
                "{{ b.actual }}", "{{ b.expected }}", "{{ b.likelihood }}", "{{ b.reasons }}",
                "{{ b.measures }}"])
    doc.add_paragraph("{%p else %}")
    line(doc, "没有红灯或黄灯指标。")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("四、执行率偏低原因", level=1)
    paragraphs(doc, "p in slow", "{{ p.name }}（执行率 {{ p.execution_rate }}）：{{ p.text }}",
               "无。")

    line(doc, "{{ unit_name }}    {{ generated_on }}")
    return doc


def check() -> Document:
    doc = new_document(landscape=True)
    title(doc, "{{ year }} 年度项目支出绩效自评抽查复核报告")
    line(doc, "{{ batch_name }}    期间：{{ period_name }}（{{ period_code }}）", center=True)

    doc.add_heading("一、抽查情况", level=1)
    line(doc, "{{ drawn_by }}于 {{ drawn_at }} 抽取，候选项目 {{ candidates }} 个，抽查 "
              "{{ project_count }} 个，已完成复核 {{ done_count }} 个。随机种子：{{ seed }}。")
    loop_table(doc, ["规则", "内容"], "r in rules", ["{{ r.label }}", "{{ r.text }}"])
    line(doc, "重新抽取核对：{{ verification }}")
    doc.add_paragraph("{%p if note %}")
    line(doc, "说明：{{ note }}")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("二、复核结果", level=1)
    line(doc, "已复核项目自评平均得分 {{ self_average }}，复核平均得分 {{ check_average }}，"
              "平均自评偏差 {{ average_deviation }}（自评得分 − 复核得分）。")
    loop_table(doc, ["单位", "项目", "复核状态", "自评得分", "自评等级", "复核得分", "复核等级",
                     "自评偏差"], "p in projects",
               ["{{ p.unit }}", "{{ p.name }}", "{{ p.status }}", "{{ p.self_total }}",
                "{{ p.self_grade }}", "{{ p.check_total }}", "{{ p.check_grade }}",
                "{{ p.deviation }}"])

    doc.add_heading("三、复核扣分", level=1)
    doc.add_paragraph("{%p if deductions %}")
    loop_table(doc, ["单位", "项目", "指标", "权重", "复核得分", "扣分原因"], "d in deductions",
               ["{{ d.unit }}", "{{ d.project }}", "{{ d.name }}", "{{ d.weight }}",
                "{{ d.score }}", "{{ d.reason }}"])
    doc.add_paragraph("{%p else %}")
    line(doc, "无扣分。")
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("四、复核结论", level=1)
    paragraphs(doc, "p in concluded", "{{ p.unit }} {{ p.name }}：{{ p.conclusion }}",
               "尚无复核结论。")

    line(doc, "{{ generated_on }}")
    return doc


TEMPLATES = {"self_evaluation.docx": self_evaluation, "monitoring.docx": monitoring,
             "check.docx": check}


def build(folder: Path = HERE) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in TEMPLATES.items():
        path = folder / name
        doc = make()
        doc.core_properties.title = name.removesuffix(".docx")
        doc.core_properties.author = "绩效通"
        doc.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
