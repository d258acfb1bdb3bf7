from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from performance.excel.actuals_import import import_actuals
from performance.excel.cli import fail
from performance.excel.errors import ExcelImportError
from performance.models import ReportingPeriod
from performance.workflow import Channel


class Command(BaseCommand):
    help = "从自评表或监控表（.xlsx/.xls/.csv）导入一个填报期间的完成值（全部成功才写入）"

    def add_arguments(self, parser):
        parser.add_argument("file", help="自评表或监控表")
        parser.add_argument("--period", required=True, help="填报期间代码，如 2025-final、2025-07")
        parser.add_argument("--unit", action="append", dest="units", metavar="CODE",
                            help="只允许这些单位的行（可重复）")
        parser.add_argument("--sheet", help="工作表名称（默认：第一个含表头的工作表）")
        parser.add_argument("--dry-run", action="store_true", help="试运行：只检查并报告，不写入")
        parser.add_argument("--user", help="以该用户名记入修改记录（默认：未知用户，途径“命令行”）")
        parser.add_argument("--clear-blanks", action="store_true",
                            help="文件中的空白单元格清空已保存的值（默认：空白不改变已保存的值）")
        parser.add_argument("--overwrite", action="store_true",
                            help="文件不含记录版本时，也覆盖其他人已保存的值（默认：这些行被拒绝）")

    def handle(self, *args, **options):
        try:
            period = ReportingPeriod.objects.get(code=options["period"])
        except ReportingPeriod.DoesNotExist as exc:
            codes = "、".join(ReportingPeriod.objects.values_list("code", flat=True)) or "无"
            raise CommandError(f"没有代码为“{options['period']}”的填报期间（现有：{codes}）") from exc
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"没有用户名为“{options['user']}”的用户")
        try:
            result = import_actuals(options["file"], period, units=options["units"],
                                    dry_run=options["dry_run"], sheet=options["sheet"],
                                    user=user, channel=Channel.COMMAND,
                                    clear_blanks=options["clear_blanks"],
                                    overwrite=options["overwrite"])
        except ExcelImportError as exc:
            raise fail(self, exc) from exc
        self.stdout.write(f"{period.code} {period.name}：{result.summary()}")
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING("试运行：未写入任何数据。"))
        elif not result.changed:
            self.stdout.write(self.style.SUCCESS("与数据库一致，没有变化。"))
        else:
            self.stdout.write(self.style.SUCCESS("导入完成。"))
