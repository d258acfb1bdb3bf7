"""`notice_text`: a notice's text as HTML — escaped, its lines kept, its links clickable. A
link into this site (SITE_URL) becomes a site path, so it opens on the host the page was read
on, whatever SITE_URL the e-mail was written with."""

import re

from django import template
from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

_LINK = re.compile(r"https?://[^\s<>\"'（），。；]+")


def _href(url: str) -> str:
    site = settings.SITE_URL.rstrip("/")
    if site and url.startswith(site + "/"):
        return url[len(site):]
    return url


def _line(line: str) -> str:
    parts, start = [], 0
    for match in _LINK.finditer(line):
        parts.append(escape(line[start:match.start()]))
        url = match.group()
        parts.append(format_html('<a href="{}">{}</a>', _href(url), url))
        start = match.end()
    parts.append(escape(line[start:]))
    return "".join(parts)


@register.filter
def notice_text(text: str) -> str:
    paragraphs = re.split(r"\n{2,}", (text or "").strip())
    return mark_safe("".join(
        "<p>" + "<br>".join(_line(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs if paragraph.strip()))
