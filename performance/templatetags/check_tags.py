"""Filters of the 复核 pages: a difference with its sign (+2.00, −5.00, 0.00)."""

from django import template

from .entry_tags import DASH, _decimal, grouped

register = template.Library()


@register.filter
def signed(value) -> str:
    """复核 − self, or 自评偏差, with its sign; — when there is none."""
    number = _decimal(value)
    if number is None:
        return DASH
    text = grouped(abs(number), 2)
    return f"+{text}" if number > 0 else f"−{text}" if number < 0 else text
