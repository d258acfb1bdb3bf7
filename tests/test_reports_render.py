"""The Word reports (performance.reports.render): each opens as a valid .docx with the figures
of the project, unit or batch; text with < & > from the data survives; a deployment's template
in REPORT_TEMPLATE_DIR replaces the default of the same name."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document

from performance.domain import Likelihood
from performance.reports import context
from performance.reports.build_templates import build
from performance.reports.render import (
    DEFAULT_DIR,
    check_name,
    monitoring_name,
    render_check,
    render_monitoring,
    render_self_evaluation,
    safe_name,
    self_evaluation_name,
    template_path,
)
from performance.services.scoring import score_project_period
from tests.entry_setup import make_team
from tests.factories import (
    CheckedProjectFactory,
    CheckScoreFactory,
    IndicatorRecordFactory,
    ProjectRecordFactory,
    RectificationFactory,
)

pytestmark = pytest.mark.django_db
DONE_AT = datetime.datetime(2026, 3, 20, 10, 0, tzinfo=datetime.UTC)


def all_text(data: bytes) -> str:
    """Every paragraph and table cell of the document, one a line."""
    doc = Document(BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines += [cell.text for cell in row.cells]
    return "\n".join(lines)


def table_rows(data: bytes) -> list[list[str]]:
    doc = Document(BytesIO(data))
    return [[cell.text for cell in row.cells] for table in doc.tables for row in table.rows]


def filled(team, *, spent="80", actuals=("100", "50", None)):
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal(spent),
                         spent_reason="政府采购流程 <延迟> & 合同未签")
    for indicator, actual in zip(team.indicators, actuals, strict=False):
        IndicatorRecordFactory(indicator=indicator, period=team.period,
                               actual_value=None if actual is None else Decimal(actual),
                               explanation="受<疫情>影响 & 延期" if actual == "50" else "",
                               deviation_reasons=["经费"] if actual == "50" else [],
                               corrective_measures="加快进度" if actual == "50" else "")


def test_self_evaluation_report_opens_with_the_projects_figures():
    team = make_team()
    filled(team)
    result = score_project_period(team.project, team.period)
    data = render_self_evaluation(team.project, team.period)
    text = all_text(data)
    total = str(result.score.total.quantize(Decimal("0.01")))
    assert team.project.name in text
    assert team.unit.name in text
    assert f"项目总分 {total} 分，评价等级 {result.grade}" in text
    assert "项目支出绩效自评报告" in text
    assert "完成年度工作任务" in text  # 年度目标
    rows = table_rows(data)
    scored = result.score.indicator_scores[0]
    first = team.indicators[0]
    row = next(r for r in rows if first.name in r and len(r) == 8)
    assert row[3] == "≥100人次"
    assert row[6] == str(scored.score.quantize(Decimal("0.01")))
    missing = next(r for r in rows if team.indicators[2].name in r and len(r) == 8)
    assert missing[4] == "未填" and missing[6] == "未填"
    assert "有 1 项指标未填完成值" in text


def test_text_with_markup_characters_survives_as_text():
    team = make_team()
    team.project.name = "A&B <项目> \"引号\""
    team.project.save()
    filled(team)
    text = all_text(render_self_evaluation(team.project, team.period))
    assert "A&B <项目> \"引号\"" in text
    assert "政府采购流程 <延迟> & 合同未签" in text  # 执行率偏低原因
    assert "受<疫情>影响 & 延期" in text  # 偏差原因分析
    assert "加快进度" in text  # 改进措施


def test_self_evaluation_lists_the_projects_rectifications():
    team = make_team()
    filled(team)
    RectificationFactory(project=team.project, period=team.period, problem="台账<不全>")
    text = all_text(render_self_evaluation(team.project, team.period))
    assert "台账<不全>" in text and "补齐培训签到表" in text
    assert "本项目无整改事项" not in text


def test_a_project_with_nothing_entered_shows_not_entered_not_a_grade():
    team = make_team()
    fields = context.self_evaluation_context(team.project, team.period)
    assert fields["total"] == fields["grade"] == "未填报"
    assert fields["score_summary"] == "尚未填报完成值和预算执行数，未评分。"
    text = all_text(render_self_evaluation(team.project, team.period))
    assert "各项指标均已完成，无偏差" in text and "本项目无整改事项" in text


def test_monitoring_report_shows_each_project_its_light_and_the_indicators_behind():
    team = make_team(monitoring=True)
    ProjectRecordFactory(project=team.project, period=team.period, spent=Decimal("10"),
                         spent_reason="资金未到位")
    IndicatorRecordFactory(indicator=team.indicators[0], period=team.period,
                           actual_value=Decimal("5"), expected_value=Decimal("60"),
                           likelihood=Likelihood.IMPOSSIBLE, deviation_reasons=["经费"],
                           corrective_measures="申请追加 <资金>")
    fields = context.monitoring_context(team.unit, team.period)
    data = render_monitoring(team.unit, team.period)
    text = all_text(data)
    assert team.unit.name in text and team.project.name in text
    assert "绩效运行监控报告" in text
    assert fields["projects"][0]["light"] == "红灯"
    behind = fields["behind"][0]
    assert behind["name"] == team.indicators[0].name and behind["light"] == "红灯"
    row = next(r for r in table_rows(data) if team.indicators[0].name in r)
    assert "完全不可能" in row and "申请追加 <资金>" in row and "红灯" in row
    assert fields["projects"][0]["execution_rate"] == "10.00%"
    assert "资金未到位" in text


def test_check_report_shows_self_beside_check_and_the_deviation():
    team = make_team()
    filled(team)
    checked = CheckedProjectFactory(
        batch__period=team.period, project=team.project, status="done",
        self_total=Decimal("85.50"), self_grade="良", check_total=Decimal("80.25"),
        check_grade="良", conclusion="自评基本客观 & 准确", concluded_at=DONE_AT)
    CheckScoreFactory(checked=checked, indicator=team.indicators[1], score=Decimal("20"),
                      deduction_reason="佐证<不足>")
    data = render_check(checked.batch)
    text = all_text(data)
    assert checked.batch.name in text and "20260301" in text  # the seed
    row = next(r for r in table_rows(data) if team.project.name in r and "85.50" in r)
    assert "80.25" in row and "5.25" in row
    assert "佐证<不足>" in text and "自评基本客观 & 准确" in text


def test_a_deployment_template_replaces_the_default(settings, tmp_path):
    doc = Document()
    doc.add_paragraph("本地模板标记 {{ project_name }} {{ total }}")
    doc.save(tmp_path / "self_evaluation.docx")
    settings.REPORT_TEMPLATE_DIR = str(tmp_path)
    team = make_team()
    filled(team)
    assert template_path("self_evaluation.docx") == tmp_path / "self_evaluation.docx"
    assert template_path("check.docx") == DEFAULT_DIR / "check.docx"  # not replaced
    text = all_text(render_self_evaluation(team.project, team.period))
    assert text.startswith(f"本地模板标记 {team.project.name} ")
    assert "一、基本情况" not in text


def test_the_committed_templates_are_what_the_script_builds(tmp_path):
    """Every field of the built templates is one the contexts provide."""
    build(tmp_path)
    from docxtpl import DocxTemplate

    team = make_team()
    fields = {
        "self_evaluation.docx": context.self_evaluation_context(team.project, team.period),
        "check.docx": context.check_context(CheckedProjectFactory(
            batch__period=team.period, project=team.project).batch),
    }
    fields["monitoring.docx"] = context.monitoring_context(team.unit, team.period)
    for name, values in fields.items():
        used = DocxTemplate(tmp_path / name).get_undeclared_template_variables()
        assert used <= set(values), name
        assert (DEFAULT_DIR / name).is_file()


def test_file_names_name_the_year_unit_and_project_and_are_safe():
    team = make_team()
    team.project.name = "培训/考核:项目?"
    assert self_evaluation_name(team.project, team.period) == (
        f"2025_自评报告_{team.unit.code}_培训_考核_项目.docx")
    assert monitoring_name(team.unit, team.period) == f"2025_监控报告_{team.unit.code}_2025-final.docx"
    batch = CheckedProjectFactory(batch__period=team.period, project=team.project).batch
    assert check_name(batch).startswith("2025_复核报告_第")
    assert safe_name("../..") == "报告.docx"
