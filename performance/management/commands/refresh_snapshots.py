"""Recompute the stored scores, projections and lights of a period (all units or one)."""

from django.core.management.base import BaseCommand, CommandError

from budget.models import Project, Unit
from performance.models import ReportingPeriod
from performance.services.snapshot import refresh_snapshots


class Command(BaseCommand):
    help = "重新计算某期间各项目的当前得分、预计全年得分和监控灯（如 --period 2025-07）。"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="期间代码，如 2025-07")
        parser.add_argument("--unit", help="只计算该单位（代码）的项目")

    def handle(self, *args, **options):
        try:
            period = ReportingPeriod.objects.get(code=options["period"])
        except ReportingPeriod.DoesNotExist:
            raise CommandError(f"没有期间 {options['period']}") from None
        ids = None
        if options["unit"]:
            try:
                unit = Unit.objects.get(code=options["unit"])
            except Unit.DoesNotExist:
                raise CommandError(f"没有单位 {options['unit']}") from None
            ids = list(Project.objects.filter(unit=unit, year=period.year)
                       .values_list("id", flat=True))
        count = refresh_snapshots(period, ids)
        self.stdout.write(f"{period.code}：已更新 {count} 个项目的得分和监控灯。")
