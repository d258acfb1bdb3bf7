from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date

from performance.models import ReportingPeriod
from performance.services.rectification_sources import raise_all
from performance.workflow import Channel


class Command(BaseCommand):
    help = ("登记整改事项：监控红灯、完成可能性为“完全不可能”的指标和已完成复核的扣分指标，"
            "每个来源只登记一次（与每日定时任务相同的规则）")

    def add_arguments(self, parser):
        parser.add_argument("--period", help="只处理此期间（代码，如 2025-07）；默认本年度和上一年度的全部期间")
        parser.add_argument("--today", help="按此日期计算期限（YYYY-MM-DD），默认今天")

    def handle(self, *args, period=None, today=None, **options):
        day = None
        if today:
            day = parse_date(today)
            if day is None:
                raise CommandError(f"无法识别的日期“{today}”，应为 YYYY-MM-DD", returncode=2)
        periods = None
        if period:
            periods = list(ReportingPeriod.objects.filter(code=period))
            if not periods:
                raise CommandError(f"没有代码为“{period}”的填报期间", returncode=2)
        reports = raise_all(today=day, periods=periods, channel=Channel.COMMAND)
        write = self.stdout.write
        raised = existing = refused = 0
        for code, report in reports.items():
            raised, existing = raised + len(report.raised), existing + report.existing
            refused += len(report.refused)
            write(f"{code}：新登记 {len(report.raised)} 项，此前已登记 {report.existing} 项"
                  + (f"，未登记 {len(report.refused)} 项" if report.refused else ""))
            for reason in report.refused:
                self.stderr.write(f"  未登记 {reason}")
        write(f"合计：新登记 {raised} 项，此前已登记 {existing} 项"
              + (f"，未登记 {refused} 项" if refused else ""))
