"""The vocabulary of 表13 as plain Python values.

Pure module: no Django import. Models take their choices from here, and the scoring engine,
the importers and the document parser use the same values, so a value stored in the database
is exactly the value the engine reads.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Operator(StrEnum):
    """指标性质. The value is the canonical spelling, as printed in 表13."""

    GE = "≥"
    GT = "＞"
    EQ = "＝"
    LT = "＜"
    LE = "≤"
    QUALITATIVE = "定性"

    @property
    def label(self) -> str:
        return self.value

    @property
    def is_quantitative(self) -> bool:
        return self is not Operator.QUALITATIVE


class Direction(StrEnum):
    """指标方向性."""

    POSITIVE = "正向指标"
    NEGATIVE = "反向指标"

    @property
    def label(self) -> str:
        return self.value


class Grade(StrEnum):
    """A grade: the target or actual of a 定性 indicator, and the grade of a project total."""

    EXCELLENT = "优"
    GOOD = "良"
    FAIR = "中"
    POOR = "差"

    @property
    def label(self) -> str:
        return self.value


class Likelihood(StrEnum):
    """完成可能性, entered at monitoring."""

    CERTAIN = "确定能"
    POSSIBLE = "有可能"
    IMPOSSIBLE = "完全不可能"

    @property
    def label(self) -> str:
        return self.value


class DeviationReason(StrEnum):
    """偏差原因; several may apply to one indicator."""

    FUNDING = "经费"
    POLICY = "制度"
    STAFF = "人员"
    HARDWARE = "硬件条件"
    OTHER = "其他"

    @property
    def label(self) -> str:
        return self.value


class Light(StrEnum):
    """Monitoring light, ordered from best to worst by `severity`."""

    BLUE = "blue"
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        return {"blue": "蓝灯", "green": "绿灯", "yellow": "黄灯", "red": "红灯"}[self.value]

    @property
    def severity(self) -> int:
        return {"green": 0, "blue": 1, "yellow": 2, "red": 3}[self.value]


def choices(enum_cls) -> list[tuple[str, str]]:
    """Django `choices` for one of the enums above."""
    return [(member.value, member.label) for member in enum_cls]


def entered(*values) -> bool:
    """Whether any of these entered values (numbers, grades, the money spent) is given: a
    project with none at all is 未填报 (docs/scoring.md)."""
    return any(value is not None and value != "" for value in values)


# The reference names of docs/targets.md. The database holds them as editable tables; these are
# only what a fresh database is seeded with.
LEVEL1_NAMES = ("产出指标", "成本指标", "效益指标", "满意度指标")
LEVEL2_NAMES = {
    "产出指标": ("数量指标", "质量指标", "时效指标"),
    "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标"),
    "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
    "满意度指标": ("满意度指标", "服务对象满意度指标"),
}


@dataclass(frozen=True)
class TargetRow:
    """One indicator row of 表13 with its project columns, already normalized.

    The Excel importer, the document parser and the seed loader all produce these; one service
    (performance.services.targets.apply_targets) writes them.
    """

    unit_code: str
    unit_name: str
    project_name: str
    budget: Decimal
    goal: str
    level1: str
    level2: str
    name: str
    operator: Operator
    target_value: Decimal | None
    target_grade: Grade | None
    unit: str
    weight: Decimal
    direction: Direction
    source_row: int | None = None
