from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.excel.export import targets_workbook


class Command(BaseCommand):
    help = "导出表13（发布格式：标题行、金额单位行、表头，项目列合并），可由 import_targets 导回"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="预算年度")
        parser.add_argument("--unit", metavar="CODE", help="只导出该单位（单位代码）")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")

    def handle(self, *args, **options):
        code = options["unit"]
        if code and not Unit.objects.filter(code=code).exists():
            raise CommandError(f"没有代码为“{code}”的单位")
        output = Path(options["output"])
        targets_workbook(options["year"], code).save(output)
        self.stdout.write(self.style.SUCCESS(f"已导出：{output}"))
