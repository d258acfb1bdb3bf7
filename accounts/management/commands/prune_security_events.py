from django.core.management.base import BaseCommand

from accounts.retention import prune


class Command(BaseCommand):
    help = ("删除超过保存期限（AUDIT_LOG_RETENTION_DAYS，至少 180 天）的安全审计日志和登录记录，"
            "与每日定时任务相同")

    def handle(self, *args, **options):
        self.stdout.write(prune().summary())
