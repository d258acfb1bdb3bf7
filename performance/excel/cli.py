"""What the Excel commands share: printing every problem and exiting 1."""

from django.core.management.base import CommandError

from .errors import ExcelImportError

MAX_LISTED = 50  # missing indicators / review findings listed one by one; problems: all kept


def fail(command, exc: ExcelImportError):
    """Print the headline and the kept problems (`第N行 [列名] 原因`, at most IMPORT_MAX_ERRORS)
    to stderr, and how many more there are; exit 1."""
    command.stderr.write(exc.headline())
    for message in exc.messages():
        command.stderr.write(message)
    if exc.omitted:
        command.stderr.write(f"…… 另有 {exc.omitted} 条问题未显示")
    return CommandError(f"导入失败：{exc.total} 处问题，未写入任何数据。", returncode=1)


def listing(command, title: str, items: list) -> None:
    if not items:
        return
    command.stdout.write(f"{title}（{len(items)} 项）：")
    for item in items[:MAX_LISTED]:
        command.stdout.write(f"  {item}")
    if len(items) > MAX_LISTED:
        command.stdout.write(f"  …… 另有 {len(items) - MAX_LISTED} 项")


def finding_text(finding) -> str:
    row = f"第{finding.source_row}行 " if getattr(finding, "source_row", None) else ""
    severity = getattr(getattr(finding, "severity", None), "label", "")
    project = getattr(finding, "project_name", "")
    where = f"{project}：" if project else ""
    return f"{row}[{severity or '审核'}] {where}{getattr(finding, 'message', finding)}"


def report_targets(command, outcome, *, dry_run: bool) -> None:
    """After a 表13 import (TargetsImport, or DocumentImport's .targets): the indicators and
    projects the file lacks, the review's findings, and what was done."""
    result = outcome.result
    listing(command, "文件中没有、数据库中" + ("已删除" if result.indicators_removed else "保留")
            + "的指标", result.missing)
    listing(command, "文件中没有、数据库中保留的项目", outcome.missing_projects)
    listing(command, "已有填报数据、已批复调整或年中追加的项目（未直接改写）",
            [str(notice) for notice in result.notices])
    listing(command, "目标审核发现", [finding_text(f) for f in outcome.findings])
    if dry_run:
        command.stdout.write(command.style.WARNING("试运行：未写入任何数据。"))
    elif not result.changed:
        command.stdout.write(command.style.SUCCESS("与数据库一致，没有变化。"))
    else:
        command.stdout.write(command.style.SUCCESS("导入完成。"))
