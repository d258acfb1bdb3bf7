"""The project list and the per-unit summary as django-tables2 tables; each column also has a
plain value for the Excel export.

A project with nothing entered shows 未填报 as its score and grade (page and export), never
"0.00 差"; one with indicators without a value shows its total with "N 项未填" (the export has
the count in a column of its own). Sorting by score or grade puts 未填报 last, with the
projects never scored."""

from decimal import Decimal

import django_tables2 as tables
from django.db.models import Case, F, QuerySet, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from budget.models import ProjectCategory
from performance.entry.widgets import esc as escape
from performance.models import WorkflowStatus
from performance.services.scoring import NOT_ENTERED
from performance.templatetags.entry_tags import (
    grade_badge,
    light_badge,
    money,
    pct,
    project_total,
    score,
    status_badge,
)

NUM = {"th": {"class": "num"}, "td": {"class": "num"}}
DASH = "—"
CENTER = {"th": {"class": "text-center"}, "td": {"class": "text-center"}}
LIGHT_LABELS = {"blue": "蓝灯", "green": "绿灯", "yellow": "黄灯", "red": "红灯"}
CATEGORY_LABELS = dict(ProjectCategory.choices)


def _rate(spent, budget):
    if spent is None or not budget:
        return None
    return (Decimal(spent) / Decimal(budget)).quantize(Decimal("0.0001"))


def _nulls_last(queryset, field, descending):
    expression = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(expression, "id"), True


def _entered_first(queryset, field, descending):
    """Sorted by `field` of the projects with something entered; 未填报 and the never scored
    last, either way (their stored 0 / 差 is no score)."""
    value = Case(When(has_values=True, then=F(field)), default=None)
    expression = value.desc(nulls_last=True) if descending else value.asc(nulls_last=True)
    return queryset.order_by(expression, "id"), True


class FastBody:
    """Writes the rows of the current page in Python: django-tables2 renders each cell through
    a template and inspects the render method's signature per cell, which is most of a list
    page's time. Every render_<column>(value, record) here takes the same two arguments."""

    def body_html(self):
        columns = []
        for bound in self.columns:
            css = escape(bound.attrs.get("td", {}).get("class", ""))
            columns.append((bound.accessor.split("__"), f'<td class="{css}">',
                            getattr(self, f"render_{bound.name}", None)))
        rows = []
        for record in self._records():
            cells = ["<tr>"]
            for accessor, td, render in columns:
                value = _resolve(record, accessor)
                if render is not None:
                    html = escape(render(value, record))
                else:
                    html = escape(DASH if value in (None, "") else value)
                cells += (td, html, "</td>")
            cells.append("</tr>")
            rows.append("".join(cells))
        if not rows:
            return format_html('<tr><td colspan="{}" class="text-center text-secondary py-4">{}</td>'
                               "</tr>", len(columns), self.empty_text)
        return mark_safe("".join(rows))

    def _records(self):
        """The records of the current page (all rows without pagination). A page of model
        instances is read in two steps: the ordered ids of the page (sorting the whole
        filtered set on narrow rows), then those rows in full; same rows, same order."""
        if getattr(self, "page", None) is None:  # (a Page's truth would read its rows)
            return (row.record for row in self.rows)
        page = self.page.object_list.data  # the page's slice of the filtered queryset
        base = self.data.data  # the same queryset, not sliced
        if not (isinstance(page, QuerySet) and isinstance(base, QuerySet)
                and page.query.is_sliced and not base.query.values_select):
            return (row.record for row in self.page.object_list)
        ids = list(page.values_list("pk", flat=True))
        by_id = {record.pk: record for record in base.order_by().filter(pk__in=ids)}
        records = [by_id[pk] for pk in ids]
        # The page's rows, now read: the pagination's len(page) must not read them again.
        self.page.object_list.data = records
        return records


def _resolve(record, path):
    """unit__name on a model or a values() dict (django-tables2's Accessor, much cheaper)."""
    if isinstance(record, dict):
        return record.get("__".join(path))
    value = record
    for part in path:
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


class ProjectTable(FastBody, tables.Table):
    name = tables.Column("项目名称", attrs={"td": {"class": "name-cell"}})
    unit = tables.Column("单位", accessor="unit__name", order_by=("unit__code", "id"),
                         attrs={"td": {"class": "unit-cell"}})
    category = tables.Column("类别", attrs={"td": {"class": "text-nowrap"}})
    budget = tables.Column("预算数（万元）", attrs=NUM)
    spent = tables.Column("执行数（万元）", attrs=NUM)
    rate = tables.Column("执行率", empty_values=(), orderable=False, attrs=NUM)
    # empty_values=(): the export asks value_score / value_grade of a project without a record
    score = tables.Column("得分", attrs=NUM, empty_values=())
    missing = tables.Column("未填指标数", visible=False, orderable=False, empty_values=())  # export
    grade = tables.Column("等级", attrs=CENTER, empty_values=())
    entry_status = tables.Column("状态", attrs=CENTER)
    light = tables.Column("监控灯", attrs=CENTER)

    class Meta:
        template_name = "entry/_table.html"
        attrs = {"class": "table table-hover table-sm align-middle project-table"}
        empty_text = "没有符合条件的项目。"
        order_by = ("unit", "name")
        per_page = 50

    def __init__(self, *args, period=None, **kwargs):
        self.period = period
        super().__init__(*args, **kwargs)

    def render_name(self, value, record):
        if not hasattr(self, "_link"):  # reversed once per table, not per row
            query = f"?period={self.period.code}" if self.period is not None else ""
            self._link = reverse("entry:project", args=[0]).replace("/0/", "/%d/") + query
        return mark_safe(f'<a href="{escape(self._link % record.pk)}" class="fw-semibold">'
                         f"{escape(value)}</a>")

    def value_name(self, value, record=None):
        return value

    def render_unit(self, value, record):
        return mark_safe(f'<span class="text-secondary small">{escape(record.unit.code)}</span> '
                         f"{escape(value)}")

    def value_unit(self, value, record):
        return f"{record.unit.code} {value}"

    def render_category(self, value, record):
        return record.get_category_display()

    def render_budget(self, value, record=None):
        return money(value)

    def render_spent(self, value, record=None):
        return money(value)

    def render_rate(self, value=None, record=None):
        return pct(_rate(record.spent, record.budget))

    def render_score(self, value, record):
        return project_total(value, record.has_values, record.missing)

    def value_score(self, value, record):
        if not record.has_values:
            return NOT_ENTERED
        return DASH if value is None else value

    def value_missing(self, value, record):
        return value if record.has_values else None

    def render_grade(self, value, record):
        return grade_badge(value, record.has_values)

    def value_grade(self, value, record):
        return (value or "") if record.has_values else NOT_ENTERED

    def render_entry_status(self, value, record=None):
        return status_badge(value)

    def value_entry_status(self, value, record=None):
        return WorkflowStatus(value).label

    def render_light(self, value, record=None):
        return light_badge(value)

    def value_light(self, value, record=None):
        return LIGHT_LABELS.get(value or "", "未评")

    def value_budget(self, value, record=None):
        return value

    def value_spent(self, value, record=None):
        return value

    def value_rate(self, value=None, record=None):
        return _rate(record.spent, record.budget)

    def order_score(self, queryset, is_descending):
        return _entered_first(queryset, "score", is_descending)

    def order_grade(self, queryset, is_descending):
        return _entered_first(queryset, "grade", is_descending)

    def order_spent(self, queryset, is_descending):
        return _nulls_last(queryset, "spent", is_descending)


class UnitSummaryTable(FastBody, tables.Table):
    """Finance staff: one row per unit over the filtered projects."""

    unit__name = tables.Column("单位", order_by=("unit__code",))
    projects = tables.Column("项目数", attrs=NUM)
    budget_total = tables.Column("预算数（万元）", attrs=NUM)
    spent_total = tables.Column("执行数（万元）", attrs=NUM)
    rate = tables.Column("执行率", empty_values=(), orderable=False, attrs=NUM)
    submitted = tables.Column("已提交", attrs=NUM)
    approved = tables.Column("填报已审核", attrs=NUM)
    returned = tables.Column("已退回", attrs=NUM)
    red = tables.Column("红灯", attrs=NUM)
    not_entered = tables.Column("未填报", attrs=NUM)
    average = tables.Column("平均得分", attrs=NUM)  # of the projects with something entered

    class Meta:
        template_name = "entry/_table.html"
        attrs = {"class": "table table-sm table-striped align-middle summary-table"}
        empty_text = "没有数据。"
        per_page = 20

    def __init__(self, *args, period=None, **kwargs):
        self.period = period
        super().__init__(*args, **kwargs)

    def render_unit__name(self, value, record):
        return format_html('<a href="?period={}&amp;unit={}">{}</a> '
                           '<span class="text-secondary small">{}</span>',
                           self.period.code if self.period else "", record["unit_id"], value,
                           record["unit__code"])

    def render_budget_total(self, value, record=None):
        return money(value)

    def render_spent_total(self, value, record=None):
        return money(value)

    def render_rate(self, value=None, record=None):
        return pct(_rate(record["spent_total"], record["budget_total"]))

    def render_red(self, value, record=None):
        if not value:
            return "0"
        return format_html('<span class="badge text-bg-danger">{}</span>', value)

    def render_average(self, value, record=None):
        return score(value)
