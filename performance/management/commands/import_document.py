from pathlib import Path

from django.core.management.base import BaseCommand

from performance.excel.cli import fail, listing, report_targets
from performance.excel.document_import import (
    document_workbook,
    finding_line,
    import_document,
    read_document,
)
from performance.excel.errors import ExcelImportError


class Command(BaseCommand):
    help = ("从发布的部门预算文件（PDF 或从中提取的文字 .txt）读取表13 绩效目标并导入："
            "与 Excel 导入同样检查、审核、全部成功才写入；文件中读不出的值不作推断，"
            "有任何解析错误即列出每一处（含原文行）并以 1 退出")

    def add_arguments(self, parser):
        parser.add_argument("file", help="预算文件：.pdf，或从 PDF 提取的文字 .txt（单元格以 Tab 分隔）")
        parser.add_argument("--year", type=int, required=True, help="预算年度，如 2025")
        parser.add_argument("--dry-run", action="store_true", help="试运行：只检查并报告，不写入")
        parser.add_argument("--replace", action="store_true",
                            help="删除文件中已没有的指标（默认只报告，不删除）")
        parser.add_argument("--export", metavar="OUT.xlsx",
                            help="把读到的表13 写成工作簿供人工核对（缺失的单元格留空并标黄，"
                                 "另有“解析发现”工作表）；补全后可用 import_targets 导入")

    def handle(self, *args, **options):
        year = options["year"]
        try:
            doc = read_document(options["file"])
        except ExcelImportError as exc:
            raise fail(self, exc) from exc
        self.stdout.write(f"“{doc.filename}”：{doc.counts()}")
        if options["export"]:
            output = Path(options["export"])
            document_workbook(doc, year).save(output)
            self.stdout.write(f"已导出表13 工作簿：{output}（文件中缺失的值留空并标黄）")
        try:
            outcome = import_document(doc, year, dry_run=options["dry_run"],
                                      replace=options["replace"])
        except ExcelImportError as exc:
            error = fail(self, exc)
            if doc.parsed.projects:
                self.stderr.write(
                    "请核对原文件；或导出表13 工作簿（--export 表13.xlsx），补全标黄的单元格后用 "
                    "import_targets 导入。" if not options["export"] else
                    f"请补全 {options['export']} 中标黄的单元格，再用 import_targets 导入。")
            raise error from exc
        self.stdout.write(outcome.summary())
        listing(self, "解析提示", [finding_line(f) for f in doc.warnings])
        report_targets(self, outcome.targets, dry_run=options["dry_run"])
