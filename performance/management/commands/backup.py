"""Back up the database and the uploaded files into one archive (docs/backup.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from performance import backup


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise CommandError(f"--keep 应为正整数，收到“{value}”", returncode=2)
    return number


class Command(BaseCommand):
    help = ("备份数据库和上传的文件（导入文件、报告压缩包、佐证材料）到一个带时间戳的 .tar.gz，"
            "可用 restore 命令恢复。")

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "backups"),
                            help="备份目录（默认 manage.py 旁的 backups/）")
        parser.add_argument("--keep", type=positive,
                            help="备份后只保留该目录中最新的 N 个备份，删除更早的")

    def handle(self, *args, output, keep, **options):
        try:
            result = backup.backup(Path(output), keep=keep)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        for line in result.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"备份完成：{result.path}"))
