from django.core.management.base import BaseCommand

from budget.models import BudgetLine, Project
from performance.models import Indicator
from performance.seed import load_seed


class Command(BaseCommand):
    help = "载入种子数据：342601 广元市社会保险事务中心 2025 年预算及表13绩效目标（可重复执行）"

    def handle(self, *args, **options):
        result = load_seed()
        unit = result.unit
        self.stdout.write(f"单位：{unit}（{unit.department}）")
        self.stdout.write(f"表13：{result.targets.summary()}")
        self.stdout.write(
            f"数据库中：项目 {Project.objects.filter(unit=unit).count()} 个，"
            f"指标 {Indicator.objects.filter(project__unit=unit).count()} 个，"
            f"预算明细行 {BudgetLine.objects.filter(unit=unit).count()} 行；"
            f"与表8 对应的项目 {result.projects_linked} 个（本次新关联），"
            f"新建填报期间 {result.periods_created} 个"
        )
        self.stdout.write(self.style.SUCCESS("种子数据已载入。"))
