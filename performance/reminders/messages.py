"""The Chinese text of reminders and the links in them.

Each ReminderLog row carries the message's subject and its own section (one unit, or the
finance summary); a message is the rows of one recipient and step, so a user in several units
reads one message listing them.
"""

import re
from functools import cache
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from performance.models import WorkflowStatus

from .steps import config

# The project page of the data-entry pages, when installed; the admin change page otherwise.
PROJECT_URL_NAMES = ("entry:project",)
FINANCE_LIST_LIMIT = 200
STATUS_LABELS = dict(WorkflowStatus.choices)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


@cache
def _project_url_name() -> str:
    for name in (*config().get("project_url_names", ()), *PROJECT_URL_NAMES):
        try:
            reverse(name, args=[1])
        except NoReverseMatch:
            continue
        return name
    return "admin:budget_project_change"


def project_path(project_id: int, period=None) -> str:
    """The site path of the project's page, opened at `period` (a ReportingPeriod) when given:
    a link in a notice shows the values the notice is about, not the default period's."""
    path = reverse(_project_url_name(), args=[project_id])
    if period is not None and _project_url_name() in PROJECT_URL_NAMES:
        path += "?" + urlencode({"period": period.code})
    return path


def project_link(project_id: int, period=None) -> str:
    return absolute(project_path(project_id, period))


def period_records_link(period_id: int) -> str:
    return absolute(
        reverse("admin:performance_projectrecord_changelist") + f"?period__id__exact={period_id}"
    )


def notices_link() -> str:
    return absolute(reverse("notices:list"))


def deadline_phrase(offset: int) -> str:
    if offset > 0:
        return f"距填报截止还有 {offset} 天"
    if offset == 0:
        return "今天是填报截止日"
    return f"已逾期 {-offset} 天"


def unit_label(code: str, name: str) -> str:
    return f"{code} {name}"


# --- subjects (one per message) ------------------------------------------------------------

def filler_subject(period, offset: int) -> str:
    return (f"【绩效通】{period.name}：{deadline_phrase(offset)}"
            f"（截止 {period.deadline:%Y-%m-%d}），尚有项目未提交")


def reviewer_subject(period, count: int, days: int) -> str:
    return f"【绩效通】{period.name}：{count} 个项目已提交超过 {days} 天，待您填报审核"


def department_subject(period, count: int, days: int) -> str:
    return f"【绩效通】{period.name}：{count} 个项目单位已审核超过 {days} 天，待主管部门审核"


def finance_subject(period, units: int, offset: int) -> str:
    return (f"【绩效通】{period.name}逾期汇总：{units} 个单位未完成提交"
            f"（截止 {period.deadline:%Y-%m-%d}，{deadline_phrase(offset)}）")


# --- sections (one per ReminderLog row) ----------------------------------------------------

def filler_section(unit: tuple, projects: list, period=None) -> str:
    """unit = (code, name); projects = [(id, name, record status or None, missing)]."""
    missing = sum(p[3] for p in projects)
    lines = [f"{unit_label(*unit)}：{len(projects)} 个项目未提交，共缺 {missing} 个指标未填报"]
    for project_id, name, status, count in projects:
        state = STATUS_LABELS.get(status, "未开始填报")
        lines.append(f"  · {name}（{state}，缺 {count} 个指标）{project_link(project_id, period)}")
    return "\n".join(lines)


def reviewer_section(unit: tuple, records: list, period=None) -> str:
    """unit = (code, name); records = [(project id, name, submitted_at)]."""
    lines = [f"{unit_label(*unit)}：{len(records)} 个项目待填报审核"]
    for project_id, name, submitted_at in records:
        lines.append(f"  · {name}（{submitted_at:%Y-%m-%d} 提交）{project_link(project_id, period)}")
    return "\n".join(lines)


def department_section(unit: tuple, records: list, period=None) -> str:
    """unit = (code, name); records = [(project id, name, when the unit approved it)]."""
    lines = [f"{unit_label(*unit)}：{len(records)} 个项目待主管部门审核"]
    for project_id, name, since in records:
        lines.append(f"  · {name}（{since:%Y-%m-%d} 单位审核通过）{project_link(project_id, period)}")
    return "\n".join(lines)


def finance_section(period, units: list) -> str:
    """units = [((code, name), projects, missing indicators)], by unit code."""
    lines = [f"截至今日仍未完成提交的单位共 {len(units)} 个："]
    for unit, projects, missing in units[:FINANCE_LIST_LIMIT]:
        lines.append(f"  · {unit_label(*unit)}：{projects} 个项目未提交，缺 {missing} 个指标")
    if len(units) > FINANCE_LIST_LIMIT:
        lines.append(f"  …… 另有 {len(units) - FINANCE_LIST_LIMIT} 个单位，请在系统中查看")
    lines.append(f"各项目填报情况：{period_records_link(period.pk)}")
    return "\n".join(lines)


# --- the whole message --------------------------------------------------------------------

def compose_body(recipient, subject: str, sections: list[str]) -> str:
    name = recipient.get_full_name() or recipient.username
    parts = [f"{name}，您好：", subject.removeprefix("【绩效通】"), *sections,
             f"站内通知：{notices_link()}", "（本邮件由绩效通自动发送，请勿直接回复。）"]
    return "\n\n".join(parts)


_LINK = re.compile(r"https?://\S+")


def first_path(sections: list[str]) -> str:
    """The site path of the first link of a message, for the in-app notice."""
    for section in sections:
        match = _LINK.search(section)
        if match:
            parts = urlsplit(match.group())
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""
