"""What an import reports when it refuses a file: its problems, `第N行 [列名] 原因`.

At most IMPORT_MAX_ERRORS problems are kept (the first found); the rest are only counted
(`total`), so a file whose every row is wrong costs a count, not a million messages
(docs/limits.md)."""

from __future__ import annotations

from collections.abc import Iterable

from performance.services.targets import Problem

__all__ = ["BadFile", "ExcelImportError", "Problem", "ProblemLog", "max_errors"]


def max_errors() -> int:
    from django.conf import settings

    return getattr(settings, "IMPORT_MAX_ERRORS", 200)


class ProblemLog:
    """Problems as they are found: the first `keep` kept, every one counted. `len()` is the
    count (so `len(log) > before` still tells whether a row added one); iterating gives the
    kept ones."""

    def __init__(self, keep: int | None = None):
        self.keep = max_errors() if keep is None else keep
        self.kept: list[Problem] = []
        self.total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < self.keep:
            self.kept.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems: Iterable[Problem]) -> ProblemLog:
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self.kept)

    def __eq__(self, other):  # compares with a list as the list of its problems would
        if isinstance(other, ProblemLog):
            return (self.total, self.kept) == (other.total, other.kept)
        if isinstance(other, list):
            return self.total == len(other) and self.kept == other
        return NotImplemented

    __hash__ = None


class ExcelImportError(Exception):
    """Rows that cannot be imported. Nothing was written. `problems`: at most
    IMPORT_MAX_ERRORS of them, by row; `total`: how many there are."""

    def __init__(self, problems: Iterable[Problem], filename: str = "", *,
                 total: int | None = None):
        if isinstance(problems, ProblemLog):
            total = problems.total if total is None else total
            problems = problems.kept
        problems = list(problems)
        self.total = len(problems) if total is None else total
        ordered = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
        self.problems = ordered[:max_errors()]
        self.filename = filename
        super().__init__("\n".join(self.messages()))

    @property
    def omitted(self) -> int:
        """Problems counted but not kept."""
        return max(self.total - len(self.problems), 0)

    def messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    def headline(self) -> str:
        name = f"“{self.filename}”" if self.filename else "文件"
        return f"{name}有 {self.total} 处问题，未导入任何数据："


class BadFile(ExcelImportError):
    """The file as a whole cannot be read (not a spreadsheet, too big, no header…): one message."""

    def __init__(self, message: str, filename: str = ""):
        self.message = message
        super().__init__([Problem(None, "文件", message)], filename)

    def messages(self) -> list[str]:
        return [f"“{self.filename}”：{self.message}" if self.filename else self.message]

    def headline(self) -> str:
        return "无法导入，未写入任何数据："
