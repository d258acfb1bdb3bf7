import json
from itertools import groupby

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.review.findings import Severity
from performance.review.service import has_review_data, review_unit, review_year


class Command(BaseCommand):
    help = (
        "对某一年度（可限定单位）运行绩效目标审核，按项目分组列出审核问题，或以 JSON 输出；"
        "有待处理的错误时退出码为 1，单位或年度不存在时为 2"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度，如 2025")
        parser.add_argument("--unit", help="单位代码，如 342601")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出审核问题列表")
        parser.add_argument("--all", action="store_true", help="同时列出已接受的审核问题")

    def handle(self, *args, year, unit, json, all, **options):
        unit_obj = None
        if unit:
            unit_obj = Unit.objects.filter(code=unit).first()
            if unit_obj is None:
                raise CommandError(f"未知的单位代码“{unit}”", returncode=2)
        if not has_review_data(year, unit_obj):
            whose = f"单位 {unit_obj} " if unit_obj else ""
            raise CommandError(f"{whose}{year} 年没有项目或预算数据，无法审核", returncode=2)
        report = review_unit(unit_obj, year) if unit_obj else review_year(year)
        findings = report.select(status="all" if all else "open")
        if json:
            self._json(report, findings)
        else:
            self._table(report, findings, year, unit_obj, all)
        errors = sum(1 for f in report.open if f.severity is Severity.ERROR)
        if errors:
            raise CommandError(f"审核发现 {errors} 个待处理的错误", returncode=1)

    def _json(self, report, findings):
        items = []
        for finding in findings:
            decision = report.decision(finding)
            item = finding.as_json()
            item["status"] = "accepted" if decision else "open"
            item["decision_note"] = decision.note if decision else ""
            items.append(item)
        self.stdout.write(json.dumps(items, ensure_ascii=False, indent=2))

    def _table(self, report, findings, year, unit, show_all):
        write = self.stdout.write
        write(f"{year} 年绩效目标审核" + (f"：{unit}" if unit else "（全部单位）"))
        for (unit_code, project), group in groupby(
            findings, key=lambda f: (f.unit_code, f.project_name or "预算表核对")
        ):
            write("")
            write(f"== {unit_code} {project}")
            for finding in group:
                decision = report.decision(finding)
                row = f"第{finding.source_row}行 " if finding.source_row else ""
                where = f"{row}{finding.indicator_name}".strip()
                status = "（已接受）" if decision else ""
                write(f"  [{finding.severity.label}] {finding.rule}{status} {where}")
                write(f"      {finding.message}")
        counts = report.counts()
        accepted = len(report.select(status="accepted"))
        summary = "，".join(f"{s.label} {n}" for s, n in counts.items())
        write("")
        write(f"待处理问题 {sum(counts.values())} 个：{summary}；已接受 {accepted} 个"
              + ("" if show_all or not accepted else "（未列出，加 --all 显示）"))
