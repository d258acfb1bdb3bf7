"""Template filters of the security pages."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_zh(value) -> str:
    """A timedelta in Chinese words: "30 分钟", "1 小时 30 分钟", "1 天"."""
    if not isinstance(value, timedelta):
        return ""
    minutes = max(0, int(value.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "天"), (hours, "小时"), (minutes, "分钟")) if n]
    return " ".join(parts) or "不到 1 分钟"
