"""What an import reports when it refuses a file: every problem, `第N行 [列名] 原因`."""

from performance.services.targets import Problem

__all__ = ["BadFile", "ExcelImportError", "Problem"]


class ExcelImportError(Exception):
    """Rows that cannot be imported. Nothing was written."""

    def __init__(self, problems: list[Problem], filename: str = ""):
        self.problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
        self.filename = filename
        super().__init__("\n".join(self.messages()))

    def messages(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    def headline(self) -> str:
        name = f"“{self.filename}”" if self.filename else "文件"
        return f"{name}有 {len(self.problems)} 处问题，未导入任何数据："


class BadFile(ExcelImportError):
    """The file as a whole cannot be read (not a spreadsheet, too big, no header…): one message."""

    def __init__(self, message: str, filename: str = ""):
        self.message = message
        super().__init__([Problem(None, "文件", message)], filename)

    def messages(self) -> list[str]:
        return [f"“{self.filename}”：{self.message}" if self.filename else self.message]

    def headline(self) -> str:
        return "无法导入，未写入任何数据："
