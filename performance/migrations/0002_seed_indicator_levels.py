"""Seed the 一级/二级指标 reference tables with the names of docs/targets.md (editable later)."""

from django.db import migrations

LEVELS = {
    "产出指标": ("数量指标", "质量指标", "时效指标"),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("满意度指标", "服务对象满意度指标"),
}


def seed(apps, schema_editor):
    Level1 = apps.get_model("performance", "IndicatorLevel1")
    Level2 = apps.get_model("performance", "IndicatorLevel2")
    for position1, (name1, names2) in enumerate(LEVELS.items(), start=1):
        level1, _ = Level1.objects.get_or_create(name=name1, defaults={"position": position1})
        for position2, name2 in enumerate(names2, start=1):
            Level2.objects.get_or_create(level1=level1, name=name2, defaults={"position": position2})


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
