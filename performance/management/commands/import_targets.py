from django.core.management.base import BaseCommand

from performance.excel.cli import fail, finding_text, listing
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
        result = outcome.result
        self.stdout.write(f"工作表“{outcome.sheet}”：{outcome.summary()}")
        listing(self, "文件中没有、数据库中" + ("已删除" if result.indicators_removed else "保留")
                + "的指标", result.missing)
        listing(self, "文件中没有、数据库中保留的项目", outcome.missing_projects)
        listing(self, "目标审核发现", [finding_text(f) for f in outcome.findings])
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING("试运行：未写入任何数据。"))
        elif not result.changed:
            self.stdout.write(self.style.SUCCESS("与数据库一致，没有变化。"))
        else:
            self.stdout.write(self.style.SUCCESS("导入完成。"))
