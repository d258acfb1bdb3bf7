"""Template filters of the dashboards: lights as labelled badges, rates as percentages."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from performance.domain import Light
from performance.models import format_decimal
from performance.templatetags.entry_tags import missing_note

register = template.Library()
register.filter("missing_note", missing_note)  # "3 项未填"


@register.filter
def light_badge(value):
    """A light (enum or stored value) as a coloured dot with its name; "—" without a light."""
    if not value:
        return mark_safe('<span class="light light-none">—</span>')  # a constant
    light = Light(value)
    return format_html('<span class="light light-{}" title="{}"><span aria-hidden="true">●</span>{}</span>',
                       light.value, light.label, light.label)


@register.filter
def pct(value, places=2):
    """A ratio as a percentage: Decimal("0.58333") → "58.33%"; "—" for None."""
    if value is None or value == "":
        return "—"
    quantum = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(value) * 100).quantize(quantum, rounding=ROUND_HALF_UP)}%"


@register.filter
def money(value):
    """万元 with two decimals and thousands separators; "—" for None."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


@register.filter
def light_label(value):
    return Light(value).label if value else "无灯"


@register.filter
def as_printed(value):
    """A stored value as 表13 prints it: 7600.0000 → "7600"."""
    return format_decimal(value)
