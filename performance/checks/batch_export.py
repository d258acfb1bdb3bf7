"""A 复核批次 as a workbook: 抽查项目 (one row per sampled project, as on its page), 抽取规则
(the seed and the rules in words) and 候选项目 (every recorded candidate with its draw key, so
that anyone can check the random draw in a spreadsheet: sort each group by 抽取序号)."""

from __future__ import annotations

from django.utils import timezone
from openpyxl import Workbook

from performance.excel.sheets import BOLD, CENTER, SheetWriter, new_workbook, number
from performance.models import CheckBatch
from performance.services.check_batches import recorded_candidates, verify

from .batch_display import (
    CATEGORY,
    batch_rows,
    checked_projects,
    describe_rules,
    verification_text,
)
from .draw import STRATIFY, draw_key

PROJECT_HEADERS = ("序号", "单位代码", "单位名称", "项目名称", "项目类别", "预算数（万元）",
                   "抽取方式", "抽取范围", "复核状态", "自评得分", "自评等级", "复核得分",
                   "复核等级", "自评偏差", "抽取序号")
PROJECT_WIDTHS = [6, 10, 24, 36, 10, 12, 12, 12, 10, 9, 9, 9, 9, 9, 20]
CANDIDATE_HEADERS = ("单位代码", "项目名称", "项目类别", "预算数（万元）", "随机分组", "抽取序号",
                     "是否抽中")
CANDIDATE_WIDTHS = [10, 36, 10, 12, 12, 66, 9]



def batch_workbook(batch: CheckBatch) -> Workbook:
    workbook = new_workbook()
    _projects_sheet(workbook, batch)
    _rules_sheet(workbook, batch)
    _candidates_sheet(workbook, batch)
    return workbook


def _projects_sheet(workbook, batch) -> None:
    sheet = SheetWriter(workbook, "抽查项目", PROJECT_WIDTHS)
    sheet.title(f"{batch.period.name} 抽查复核 · {batch.name}")
    sheet.header(PROJECT_HEADERS)
    for index, row in enumerate(batch_rows(checked_projects(batch)), start=1):
        c, p = row.checked, row.project
        sheet.append([
            sheet.cell(index, align=CENTER), sheet.cell(p.unit.code), sheet.cell(p.unit.name),
            sheet.cell(p.name), sheet.cell(row.category),
            sheet.cell(number(row.budget), fmt="0.00"), sheet.cell(c.get_reason_display()),
            sheet.cell(row.stratum), sheet.cell(c.get_status_display()),
            sheet.cell(number(c.self_total)), sheet.cell(c.self_grade),
            sheet.cell(number(c.check_total)), sheet.cell(c.check_grade),
            sheet.cell(number(row.deviation)), sheet.cell(c.draw_key)])


def _rules_sheet(workbook, batch) -> None:
    sheet = SheetWriter(workbook, "抽取规则", [16, 90])
    sheet.title(f"{batch.name} 抽取规则")
    drawn_by = (batch.drawn_by.get_full_name() or batch.drawn_by.username
                if batch.drawn_by else "命令行")
    drawn_at = timezone.localtime(batch.drawn_at).strftime("%Y-%m-%d %H:%M")
    for label, text in [("期间", f"{batch.period.code} {batch.period.name}"),
                        ("批次名称", batch.name), ("抽取人", drawn_by), ("抽取时间", drawn_at),
                        *describe_rules(batch),
                        ("重新抽取核对", verification_text(verify(batch))),
                        ("说明", batch.note)]:
        sheet.append([sheet.cell(label, font=BOLD), sheet.cell(text)])


def _candidates_sheet(workbook, batch) -> None:
    sheet = SheetWriter(workbook, "候选项目", CANDIDATE_WIDTHS)
    sheet.title(f"{batch.name} 候选项目（抽取时记录）")
    sheet.note("抽取序号 = SHA-256(“种子:单位代码:项目名称”的 UTF-8 编码) 的十六进制；"
               "随机抽取在每组中取序号最小的项目。")
    sheet.header(CANDIDATE_HEADERS)
    rules = batch.rules or {}
    stratify = rules.get("stratify") if rules.get("stratify") in STRATIFY else "none"
    drawn = set(batch.projects.values_list("project_id", flat=True))
    candidates = sorted(recorded_candidates(batch), key=lambda c: (c.unit_code, c.project_name))
    for c in candidates:
        group = {"unit": c.unit_code, "category": CATEGORY.get(c.category, c.category)}.get(
            stratify, "全部")
        sheet.append([sheet.cell(c.unit_code), sheet.cell(c.project_name),
                      sheet.cell(CATEGORY.get(c.category, c.category)),
                      sheet.cell(number(c.budget), fmt="0.00"), sheet.cell(group),
                      sheet.cell(draw_key(batch.seed, c.unit_code, c.project_name)),
                      sheet.cell("是" if c.project_id in drawn else "", align=CENTER)])
