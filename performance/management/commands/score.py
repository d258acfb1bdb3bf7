import json

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.checks.score_json import check_json, period_checks
from performance.models import ReportingPeriod
from performance.services.scoring import MISSING, NOT_ENTERED, current_policy, score_period


class Command(BaseCommand):
    help = "按评分规则计算某一期间各项目的得分（可限定单位），输出表格或 JSON"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="期间代码，如 2025-final")
        parser.add_argument("--unit", help="单位代码，如 342601")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出，每个项目一个对象")

    def handle(self, *args, period, unit, json, **options):
        try:
            period_obj = ReportingPeriod.objects.get(code=period)
        except ReportingPeriod.DoesNotExist:
            known = "、".join(ReportingPeriod.objects.values_list("code", flat=True)) or "无"
            raise CommandError(f"未知的期间“{period}”（已有：{known}）", returncode=2) from None
        unit_obj = None
        if unit:
            unit_obj = Unit.objects.filter(code=unit).first()
            if unit_obj is None:
                raise CommandError(f"未知的单位代码“{unit}”", returncode=2)
        policy = current_policy()
        results = score_period(period_obj, unit_obj, policy)
        if json:
            self._json(results, period_checks(period_obj, unit_obj), policy)
        else:
            self._table(results, period_obj, policy)

    def _json(self, results, checks, policy):
        # One object per project, written as they are scored: a whole period never sits in memory.
        # "check": the project's 抽查复核 in the period, null when it was not checked (the
        # period's checks are read once, before the projects: docs/checks.md).
        write = self.stdout.write
        write("[", ending="")
        for index, result in enumerate(results):
            data = result.as_json()
            data["check"] = check_json(result, checks.get(result.project_id), policy)
            write(("," if index else "") + "\n" + json.dumps(data, ensure_ascii=False), ending="")
        write("\n]")

    def _table(self, results, period, policy):
        """One line per project. An indicator or the money spent without a value is 未填 (it
        scores 0); a project with nothing entered shows 未填报 for its totals and grade."""
        write = self.stdout.write
        write(f"{period.code} {period.name}（评分规则 {policy.label}）")
        header = ("单位", "项目", "预算数", "执行数", "执行率", "执行得分", "指标得分", "总分", "等级",
                  "目标版本")
        write("\t".join(header))
        count = 0
        for result in results:
            count += 1
            score = result.score
            rate = score.execution.rate_display
            empty = result.nothing_entered
            write("\t".join([
                result.unit_code,
                result.project_name,
                f"{result.budget:.2f}",
                "" if result.spent is None else f"{result.spent:.2f}",
                "" if rate is None else f"{rate * 100:.2f}%",
                MISSING if score.execution.missing else f"{score.execution.score:.2f}",
                NOT_ENTERED if empty else f"{score.indicator_total:.2f}",
                NOT_ENTERED if empty else f"{score.total:.2f}",
                NOT_ENTERED if empty else score.grade.value,
                result.version.label,
            ]))
            if score.missing:
                write(f"\t  未填报指标 {len(score.missing)} 个")
        write(f"共 {count} 个项目")
