from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.excel.report import report_workbook
from performance.models import ReportingPeriod


class Command(BaseCommand):
    help = "导出一个单位某期间的自评表/监控表（含得分与合计）；--template 导出填报模板"

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="填报期间代码，如 2025-final")
        parser.add_argument("--unit", required=True, metavar="CODE", help="单位代码")
        parser.add_argument("--template", action="store_true",
                            help="填报模板：关键列锁定、带下拉选项，填好后可用 import_actuals 导入")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")

    def handle(self, *args, **options):
        period = ReportingPeriod.objects.filter(code=options["period"]).first()
        if period is None:
            raise CommandError(f"没有代码为“{options['period']}”的填报期间")
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"没有代码为“{options['unit']}”的单位")
        output = Path(options["output"])
        report_workbook(period, unit, template=options["template"]).save(output)
        kind = "填报模板" if options["template"] else ("监控表" if period.is_monitoring else "自评表")
        self.stdout.write(self.style.SUCCESS(f"已导出{kind}：{output}"))
