"""Form widgets that write their HTML in Python.

Django renders every widget (and every option of a select or a checkbox list) through a
template; a project page has ~150 of them and a unit filter 400 options, which made template
rendering most of the page's time. These produce the same markup as Django's widgets for
what the entry pages use (name, id, value, attrs, checked/selected), escaping every value
with the standard library's html.escape (Django's lazy-aware escape costs ~5× as much)."""

from html import escape as _escape

from django import forms
from django.utils.safestring import mark_safe


def esc(value) -> str:
    """HTML-escaped text of `value` (already safe strings are kept as they are)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value), quote=True)


def _attrs(attrs: dict) -> str:
    parts = []
    for key, value in attrs.items():
        if value is True:
            parts.append(f" {key}")
        elif value is not False and value is not None:
            parts.append(f' {key}="{esc(value)}"')
    return "".join(parts)


class FastInput:
    """For TextInput / HiddenInput subclasses."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        kind = final.pop("type", self.input_type)
        shown = self.format_value(value)
        value_attr = f' value="{esc(shown)}"' if shown is not None else ""
        return mark_safe(f'<input type="{kind}" name="{esc(name)}"{value_attr}{_attrs(final)}>')


class TextInput(FastInput, forms.TextInput):
    pass


class HiddenInput(FastInput, forms.HiddenInput):
    pass


class Textarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        text = esc(self.format_value(value) or "")
        return mark_safe(f'<textarea name="{esc(name)}"{_attrs(final)}>\n{text}</textarea>')


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{esc(key)}"{" selected" if str(key) in selected else ""}>'
            f"{esc(label)}</option>" for key, label in self._flat_choices())
        return mark_safe(f'<select name="{esc(name)}"{_attrs(final)}>{options}</select>')

    def _flat_choices(self):
        for key, label in self.choices:
            yield ("" if key is None else getattr(key, "value", key)), label


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Inline Bootstrap checkboxes: `<span class="form-check form-check-inline">…</span>`."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        base_id = esc(final.pop("id", name))
        checked = {str(v) for v in (value or [])}
        rest, name = _attrs(final), esc(name)
        return mark_safe("".join(
            f'<span class="form-check form-check-inline"><input type="checkbox" name="{name}" '
            f'value="{esc(key)}" id="{base_id}_{index}"{rest}'
            f'{" checked" if str(key) in checked else ""}><label class="form-check-label" '
            f'for="{base_id}_{index}">{esc(label)}</label></span>'
            for index, (key, label) in enumerate(self.choices)))
