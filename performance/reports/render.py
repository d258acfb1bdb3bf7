"""Render the Word reports: a docxtpl template (the deployment's own in REPORT_TEMPLATE_DIR when
it has one of the same name, else the default in templates_docx/) filled with a context from
performance.reports.context. Values are escaped (autoescape), so text from the data with < & >
stays valid XML; the Jinja environment is sandboxed, as a deployment's template is a file
someone uploaded to the server."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from django.conf import settings
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from . import context

DEFAULT_DIR = Path(__file__).resolve().parent / "templates_docx"
SELF_EVALUATION = "self_evaluation.docx"
MONITORING = "monitoring.docx"
CHECK = "check.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
NAME_LIMIT = 120


def template_path(name: str) -> Path:
    """The deployment's template `name` when REPORT_TEMPLATE_DIR holds one, else the default."""
    folder = getattr(settings, "REPORT_TEMPLATE_DIR", "")
    if folder:
        own = Path(folder) / name
        if own.is_file():
            return own
    return DEFAULT_DIR / name


def render(name: str, fields: dict) -> bytes:
    template = DocxTemplate(template_path(name))
    template.render(fields, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    out = BytesIO()
    template.save(out)
    return out.getvalue()


def render_self_evaluation(project, period) -> bytes:
    return render(SELF_EVALUATION, context.self_evaluation_context(project, period))


def render_monitoring(unit, period) -> bytes:
    return render(MONITORING, context.monitoring_context(unit, period))


def render_check(batch) -> bytes:
    return render(CHECK, context.check_context(batch))


def safe_name(name: str, suffix: str = ".docx") -> str:
    """A file name any system accepts: no path separators, control or reserved characters,
    at most NAME_LIMIT characters before the suffix."""
    stem = _UNSAFE.sub("_", name).strip(" ._") or "报告"
    return stem[:NAME_LIMIT] + suffix


def self_evaluation_name(project, period) -> str:
    return safe_name(f"{period.year}_自评报告_{project.unit.code}_{project.name}")


def monitoring_name(unit, period) -> str:
    return safe_name(f"{period.year}_监控报告_{unit.code}_{period.code}")


def check_name(batch) -> str:
    return safe_name(f"{batch.period.year}_复核报告_{batch.name}")
