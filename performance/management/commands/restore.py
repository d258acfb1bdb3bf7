"""Restore an archive written by `backup` into the configured database and folders
(docs/backup.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from performance import backup


class Command(BaseCommand):
    help = ("从 backup 命令生成的备份恢复数据库和上传的文件：先核对清单（数据库类型、校验和、"
            "文件数、迁移版本），目标数据库已有数据时须加 --force。")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份文件（jxt-backup-….tar.gz）")
        parser.add_argument("--force", action="store_true",
                            help="目标数据库已有数据时仍然恢复（覆盖现有数据）")

    def handle(self, *args, archive, force, **options):
        try:
            result = backup.restore(Path(archive), force=force)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        for line in result.lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"恢复完成：{result.path}"))
