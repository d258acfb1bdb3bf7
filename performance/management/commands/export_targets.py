from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.models import Unit
from performance.excel.export import ADJUSTED, INITIAL, WHICH, targets_workbook


class Command(BaseCommand):
    help = ("导出表13（发布格式：标题行、金额单位行、表头，项目列合并），可由 import_targets 导回；"
            "默认导出调整后（现行）目标，--version initial 导出年初批复的目标")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the targets' version here; Django's own --version (its release) yields
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="预算年度")
        parser.add_argument("--unit", metavar="CODE", help="只导出该单位（单位代码）")
        parser.add_argument("--version", dest="which", choices=[ADJUSTED, INITIAL],
                            default=ADJUSTED,
                            help="adjusted：调整后（现行目标，默认）；initial：年初批复（第1版）")
        parser.add_argument("-o", "--output", required=True, help="输出文件 .xlsx")

    def handle(self, *args, **options):
        code = options["unit"]
        if code and not Unit.objects.filter(code=code).exists():
            raise CommandError(f"没有代码为“{code}”的单位")
        output = Path(options["output"])
        targets_workbook(options["year"], code, which=options["which"]).save(output)
        self.stdout.write(self.style.SUCCESS(f"已导出{WHICH[options['which']]}表13：{output}"))
