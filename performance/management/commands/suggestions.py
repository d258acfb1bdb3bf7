"""suggestions: (re)compute the 结果应用 suggestions of a self-evaluation period
(docs/results.md); finance's overrides are kept."""

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.models import ReportingPeriod
from performance.services.results import ResultsRefused, compute_suggestions
from performance.workflow import Channel


class Command(BaseCommand):
    help = "按项目评价等级（已复核的按复核等级）计算下一年度预算安排建议；财政已调整的建议保留"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="绩效自评期间代码，如 2025-final")
        parser.add_argument("--unit", help="只计算该单位（单位代码）")

    def handle(self, *args, period, unit=None, **options):
        found = ReportingPeriod.objects.filter(code=period).first()
        if found is None:
            raise CommandError(f"没有代码为“{period}”的期间", returncode=2)
        chosen = None
        if unit:
            chosen = Unit.objects.filter(code=unit).first()
            if chosen is None:
                raise CommandError(f"没有代码为“{unit}”的单位", returncode=2)
        try:
            summary = compute_suggestions(found, unit=chosen, channel=Channel.COMMAND)
        except ResultsRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.text())
        for name in summary.grade_changed:
            self.stdout.write(f"等级已变化，请核对调整：{name}")
