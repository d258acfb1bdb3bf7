"""What a review finding is, the registry of rule codes, and their per-deployment settings.

Pure module: no Django import. A deployment switches rules off or changes their severity with
a plain mapping (settings.TARGET_REVIEW_RULES), read by :meth:`RuleSettings.from_mapping`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "notice": "提示"}[self.value]

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "notice": 2}[self.value]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    title: str
    severity: Severity
    enabled: bool = True


_E, _W, _N = Severity.ERROR, Severity.WARNING, Severity.NOTICE
RULES: dict[str, RuleInfo] = {
    info.code: info
    for info in (
        # 表13: one project and its indicators
        RuleInfo("weights_total", "权重合计应为规定值", _E),
        RuleInfo("weight_not_positive", "权重应大于 0", _E),
        RuleInfo("output_indicator_required", "缺少产出指标", _E),
        RuleInfo("benefit_indicator_required", "缺少效益指标", _E),
        RuleInfo("satisfaction_indicator_required", "缺少满意度指标", _E),
        RuleInfo("cost_indicator_required", "缺少成本指标", _E, enabled=False),
        RuleInfo("target_not_number", "定量指标的指标值应为数字", _E),
        RuleInfo("target_not_grade", "定性指标的指标值应为等级", _E),
        RuleInfo("unit_required", "定量指标应有度量单位", _E),
        RuleInfo("cost_exceeds_budget", "成本指标合计超过项目预算", _E),
        RuleInfo("percent_out_of_range", "百分比指标值应在 0–100 之间", _E),
        RuleInfo("timeliness_not_negative", "时效指标应为反向指标", _W),
        RuleInfo("cost_not_negative", "成本指标应为反向指标", _W),
        RuleInfo("direction_conflict", "指标性质与方向性不一致", _W),
        RuleInfo("unit_mismatch", "度量单位与指标不相符", _W),
        RuleInfo("duplicate_indicator_name", "同一项目中指标重名", _E),
        # 表13 against 表8
        RuleInfo("project_not_in_budget", "表13 项目不在表8 中", _E),
        RuleInfo("budget_line_without_project", "表8 项目没有绩效目标", _E),
        RuleInfo("project_name_mismatch", "项目名称与表8 不一致", _W),
        RuleInfo("project_amount_mismatch", "项目金额与表8 不一致", _E),
        # the budget tables
        RuleInfo("printed_total_mismatch", "原表合计数与明细合计不符", _W),
        RuleInfo("detail_sum_mismatch", "款级数与其明细合计不符", _W),
        RuleInfo("target_category_mismatch", "绩效目标分类合计与预算表不符", _W),
    )
}


@dataclass(frozen=True)
class RuleSettings:
    """Per rule code: on or off, and the severity its findings get."""

    overrides: tuple[tuple[str, bool, Severity], ...] = ()

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object] | None) -> RuleSettings:
        """{"unit_mismatch": {"severity": "notice"}, "cost_indicator_required": {"enabled": True}}.

        Unknown codes, keys or severities raise ValueError naming them.
        """
        if not mapping:
            return cls()
        if not isinstance(mapping, Mapping):
            raise ValueError("TARGET_REVIEW_RULES must be a mapping of rule code to options")
        overrides = []
        for code, options in mapping.items():
            if code not in RULES:
                known = ", ".join(sorted(RULES))
                raise ValueError(f"TARGET_REVIEW_RULES: unknown rule {code!r}; known: {known}")
            if not isinstance(options, Mapping) or set(options) - {"enabled", "severity"}:
                raise ValueError(
                    f"TARGET_REVIEW_RULES[{code!r}] must be a mapping with 'enabled' and/or "
                    f"'severity' (got {options!r})"
                )
            info = RULES[code]
            enabled = options.get("enabled", info.enabled)
            if not isinstance(enabled, bool):
                raise ValueError(f"TARGET_REVIEW_RULES[{code!r}]['enabled'] must be True or False")
            try:
                severity = Severity(options.get("severity", info.severity))
            except ValueError:
                raise ValueError(
                    f"TARGET_REVIEW_RULES[{code!r}]['severity'] must be error, warning or notice"
                ) from None
            overrides.append((code, enabled, severity))
        return cls(tuple(overrides))

    def _get(self, code: str) -> tuple[bool, Severity]:
        for override_code, enabled, severity in self.overrides:
            if override_code == code:
                return enabled, severity
        info = RULES[code]
        return info.enabled, info.severity

    def enabled(self, code: str) -> bool:
        return self._get(code)[0]

    def severity(self, code: str) -> Severity:
        return self._get(code)[1]

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """Drop the findings of rules switched off; give the others their configured severity."""
        out = []
        for finding in findings:
            enabled, severity = self._get(finding.rule)
            if enabled:
                out.append(finding if finding.severity is severity else replace(finding, severity=severity))
        return out


DEFAULT_RULE_SETTINGS = RuleSettings()


@dataclass(frozen=True)
class Finding:
    """One thing wrong: which rule, how serious, where, and a Chinese sentence saying what to do.

    `subject` tells apart findings that belong to no project or indicator (a printed total, a
    表8 line); together with the rule, unit, year, project and indicator it makes `key`, the
    stable identity a reviewer's decision is stored under.
    """

    rule: str
    message: str
    severity: Severity = Severity.ERROR
    unit_code: str = ""
    year: int | None = None
    project_id: int | None = None
    project_name: str = ""
    indicator_id: int | None = None
    indicator_name: str = ""
    source_row: int | None = None
    subject: str = ""

    @property
    def key(self) -> str:
        # Rows not yet in the database have no ids: their names stand in.
        project = self.project_id if self.project_id is not None else self.project_name
        indicator = self.indicator_id if self.indicator_id is not None else self.indicator_name
        parts = (self.rule, self.unit_code, self.year, project, indicator)
        return ":".join("-" if p is None or p == "" else str(p) for p in parts) + (
            f":{self.subject}" if self.subject else ""
        )

    @property
    def rule_title(self) -> str:
        return RULES[self.rule].title

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "severity": self.severity.value,
            "severity_label": self.severity.label,
            "rule": self.rule,
            "rule_title": self.rule_title,
            "unit": self.unit_code,
            "year": self.year,
            "project_id": self.project_id,
            "project": self.project_name,
            "indicator_id": self.indicator_id,
            "indicator": self.indicator_name,
            "row": self.source_row,
            "subject": self.subject,
            "message": self.message,
        }


def money(value: Decimal | None) -> str:
    """1072.86 → '1,072.86' (万元 amounts as the tables print them)."""
    if value is None:
        return "—"
    return f"{value:,.2f}"


def number(value: Decimal | None) -> str:
    """A target or weight as 表13 prints it: 90.00 → '90', 23.330 → '23.33'."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + money(value)
