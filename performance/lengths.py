"""Text lengths checked before writing, from the model fields themselves.

SQLite stores a 300-character name in a 200-character column; PostgreSQL refuses it with an
error (a 500). Every channel that writes text into a CharField (the imports, the forms, the
commands, evidence names) checks it here first and says where: `第 12 行 [项目名称]：长度 300
超过上限 200 个字符`. The limits are read from the model's _meta, so they cannot drift from the
columns.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models

__all__ = ["check_lengths", "label", "max_length", "too_long", "truncate_name"]


def max_length(model: type[models.Model], field_name: str) -> int | None:
    """The column's limit, None for a field without one (TextField)."""
    return getattr(model._meta.get_field(field_name), "max_length", None)


def label(model: type[models.Model], field_name: str) -> str:
    return str(model._meta.get_field(field_name).verbose_name)


def too_long(model: type[models.Model], field_name: str, value) -> str | None:
    """`长度 300 超过上限 200 个字符` when `value` does not fit the field, else None."""
    limit = max_length(model, field_name)
    if limit is None or value is None:
        return None
    length = len(str(value))
    return f"长度 {length} 超过上限 {limit} 个字符" if length > limit else None


def check_lengths(model: type[models.Model], values: Mapping[str, object],
                  where: str = "") -> list[str]:
    """One message per value that does not fit its field: `{where} [{label}]：长度 …`."""
    prefix = f"{where} " if where else ""
    return [f"{prefix}[{label(model, name)}]：{message}"
            for name, value in values.items()
            if (message := too_long(model, name, value)) is not None]


def truncate_name(name: str, limit: int) -> str:
    """A file name cut to `limit` characters, its extension kept (`很长…的名字.pdf`)."""
    if len(name) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16 or len(ext) + 2 > limit:
        return name[:limit]
    return f"{stem[:limit - len(ext) - 2]}….{ext}"
