"""结果应用: what a grade suggests for next year's budget, and the rules of finance's override
(docs/results.md). Pure: no ORM, Decimal only; performance.services.results reads the rules
(SuggestionRule) and writes BudgetSuggestion.

    优先保障 / 据实保障  → next year's amount = this year's budget (base)
    压缩核减 x %         → base × (1 − x / 100), rounded to 0.01 (half up)
    取消或暂停           → 0
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PRIORITY, KEEP, CUT, CANCEL = "priority", "keep", "cut", "cancel"
ACTIONS = {PRIORITY: "优先保障", KEEP: "据实保障", CUT: "压缩核减", CANCEL: "取消或暂停"}
CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Rule:
    """What one grade suggests: an action, a 压缩 rate in % (cut only) and its wording."""

    action: str
    rate: Decimal = ZERO
    wording: str = ""

    @property
    def text(self) -> str:
        return self.wording or ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class Suggestion:
    action: str
    rate: Decimal
    suggested_amount: Decimal
    wording: str = ""


class MissingRule(Exception):
    """A grade without a rule: nothing can be suggested until the rule is added."""


class OverrideInvalid(Exception):
    """What is wrong with an override, by field name (action, rate, amount, reason)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


def amount_for(action: str, rate, base) -> Decimal:
    """Next year's amount for `action` at `rate` % from `base` (万元, 0.01 half up)."""
    base = Decimal(base)
    if action == CANCEL:
        return ZERO.quantize(CENT)
    if action == CUT:
        return (base * (HUNDRED - Decimal(rate)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    return base.quantize(CENT, ROUND_HALF_UP)


def suggest(grade: str, rules: dict[str, Rule], base) -> Suggestion:
    """The suggestion for `grade` under `rules` (grade → Rule); MissingRule when none."""
    rule = rules.get(grade)
    if rule is None:
        raise MissingRule(f"等级“{grade}”没有结果应用规则，请先在管理后台“结果应用规则”中添加。")
    rate = Decimal(rule.rate) if rule.action == CUT else ZERO
    return Suggestion(rule.action, rate, amount_for(rule.action, rate, base), rule.text)


def missing_grades(grades, rules: dict[str, Rule]) -> list[str]:
    """The grades among `grades` that have no rule, sorted."""
    return sorted({g for g in grades if g and g not in rules})


def _decimal(value, field: str, label: str, errors: dict) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = f"{label}应为数字。"
        return None
    if not number.is_finite():
        errors[field] = f"{label}应为数字。"
        return None
    return number


@dataclass(frozen=True)
class Override:
    action: str
    rate: Decimal | None
    amount: Decimal
    reason: str


def clean_override(action, rate, amount, reason, base) -> Override:
    """An override checked and completed: action and reason required; a rate 0–100 only for
    压缩核减 (required there); an amount ≥ 0 optional (omitted: computed from action and rate
    on `base`). Raises OverrideInvalid with every problem."""
    errors: dict[str, str] = {}
    action = (action or "").strip()
    reason = (reason or "").strip()
    if action not in ACTIONS:
        errors["action"] = "请选择调整后的建议。"
    if not reason:
        errors["reason"] = "请填写调整理由。"
    rate_value = _decimal(rate, "rate", "压缩比例", errors)
    amount_value = _decimal(amount, "amount", "建议预算", errors)
    if action == CUT and "rate" not in errors:
        if rate_value is None:
            errors["rate"] = "压缩核减须填写压缩比例（0–100）。"
        elif not ZERO <= rate_value <= HUNDRED:
            errors["rate"] = "压缩比例应在 0 到 100 之间。"
        elif rate_value != rate_value.quantize(CENT):
            errors["rate"] = "压缩比例最多两位小数。"
    elif action in ACTIONS and rate_value is not None and rate_value != ZERO:
        errors["rate"] = "只有压缩核减填写压缩比例。"
    if amount_value is not None and "amount" not in errors:
        if amount_value < ZERO:
            errors["amount"] = "建议预算不能为负数。"
        elif amount_value != amount_value.quantize(CENT):
            errors["amount"] = "建议预算最多两位小数（万元）。"
    if errors:
        raise OverrideInvalid(errors)
    rate_value = rate_value if action == CUT else None
    if amount_value is None:
        amount_value = amount_for(action, rate_value or ZERO, base)
    return Override(action, rate_value, amount_value.quantize(CENT), reason)
