from django.core.management.base import BaseCommand

from performance.excel.cli import fail, report_targets
from performance.excel.errors import ExcelImportError
from performance.excel.targets_import import import_targets


class Command(BaseCommand):
    help = "从 Excel/CSV 导入表13 绩效目标（全部成功才写入；有问题则列出每一处并以 1 退出）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="表13 文件：.xlsx、.xls 或 .csv")
        parser.add_argument("--year", type=int, required=True, help="预算年度，如 2025")
        parser.add_argument("--sheet", help="工作表名称（默认：第一个含表13表头的工作表）")
        parser.add_argument("--dry-run", action="store_true", help="试运行：只检查并报告，不写入")
        parser.add_argument("--replace", action="store_true",
                            help="删除文件中已没有的指标（默认只报告，不删除）")

    def handle(self, *args, **options):
        try:
            outcome = import_targets(options["file"], options["year"], dry_run=options["dry_run"],
                                     replace=options["replace"], sheet=options["sheet"])
        except ExcelImportError as exc:
            raise fail(self, exc) from exc
        self.stdout.write(f"工作表“{outcome.sheet}”：{outcome.summary()}")
        report_targets(self, outcome, dry_run=options["dry_run"])
