from django.core.management.base import BaseCommand

from budget.demo import create_demo_users


class Command(BaseCommand):
    help = "创建演示账号（管理员和 342601 单位填报人），并打印用户名和密码"

    def handle(self, *args, **options):
        accounts = create_demo_users()
        self.stdout.write("演示账号（仅供本机演示，请勿用于生产）：")
        for account in accounts:
            self.stdout.write(f"  {account.description}：用户名 {account.username}  密码 {account.password}")
        self.stdout.write("打开 http://127.0.0.1:8000/ 登录（管理后台：/admin/）。")
