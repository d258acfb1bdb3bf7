from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from performance.excel.cli import fail, report_targets
from performance.excel.errors import ExcelImportError
from performance.excel.targets_import import import_targets
from performance.workflow import Channel


class Command(BaseCommand):
    help = ("从 Excel/CSV 导入表13 绩效目标（全部成功才写入；有问题则列出每一处并以 1 退出）。"
            "已有填报数据或已批复调整的项目不直接改写，而是生成调整申请草稿")

    def add_arguments(self, parser):
        parser.add_argument("file", help="表13 文件：.xlsx、.xls 或 .csv")
        parser.add_argument("--year", type=int, required=True, help="预算年度，如 2025")
        parser.add_argument("--sheet", help="工作表名称（默认：第一个含表13表头的工作表）")
        parser.add_argument("--dry-run", action="store_true", help="试运行：只检查并报告，不写入")
        parser.add_argument("--replace", action="store_true",
                            help="删除文件中已没有的指标（默认只报告，不删除）；"
                                 "已有填报数据或已批复调整的项目不能整体替换")
        parser.add_argument("--user", help="以该用户名提出调整申请（默认：管理员，途径“命令行”）")

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有用户名为“{options['user']}”的用户")
        try:
            outcome = import_targets(options["file"], options["year"], dry_run=options["dry_run"],
                                     replace=options["replace"], sheet=options["sheet"],
                                     user=user, channel=Channel.COMMAND)
        except ExcelImportError as exc:
            raise fail(self, exc) from exc
        self.stdout.write(f"工作表“{outcome.sheet}”：{outcome.summary()}")
        report_targets(self, outcome, dry_run=options["dry_run"])
        for note in outcome.link_notes():
            self.stdout.write(note)
