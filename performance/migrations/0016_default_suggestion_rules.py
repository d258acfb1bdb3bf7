"""The default 结果应用 mapping (docs/results.md), editable in the admin afterwards."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("优", "priority", Decimal(0), "适当优先给予保障"),
    ("良", "keep", Decimal(0), "据实予以合理保障"),
    ("中", "cut", Decimal(10), "予以一定比例核减"),
    ("差", "cancel", Decimal(0), "视情况取消或暂停下一年度预算安排"),
]


def add_defaults(apps, schema_editor):
    rule = apps.get_model("performance", "SuggestionRule")
    for grade, action, rate, wording in DEFAULTS:
        rule.objects.get_or_create(grade=grade, defaults={"action": action, "rate": rate,
                                                          "wording": wording})


class Migration(migrations.Migration):
    dependencies = [("performance", "0015_results_rectification_reports")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
