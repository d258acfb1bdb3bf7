"""The draw of a 复核批次: which self-evaluated projects finance checks (docs/checks.md).

Pure: no Django, no database. The service (performance.services.check_batches) reads the
candidates and records the rules, the seed and the candidates it drew from, so that anyone can
draw the same sample again, with this module or by hand:

1. 指定抽取 (hand): every project picked by hand is taken.
2. 金额达到标准 (amount): of the rest, every candidate whose effective budget (调整后预算数, else
   预算数) is at least the threshold (万元) is taken.
3. 随机抽取 (random): the rest is split into strata (all together, per unit or per project
   category); in each stratum of n candidates, k = ceil(share × n) are taken: those with the
   smallest draw key, where

       draw key = hex(SHA-256(UTF-8 of "{seed}:{unit code}:{project name}"))

   so the draw depends only on the seed and on the candidates themselves — not on their order,
   not on Python's random module, not on the machine.

No project is taken twice. Units and categories restrict the amount and random rules to
those candidates; a project picked by hand is taken wherever it is.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal, InvalidOperation

HAND, AMOUNT, RANDOM = "hand", "amount", "random"  # performance.models.SelectionReason
REASON_ORDER = {HAND: 0, AMOUNT: 1, RANDOM: 2}
STRATIFY = {"none": "不分组", "unit": "按单位分组", "category": "按项目类别分组"}
MAX_SEED_LENGTH = 40  # CheckBatch.seed
RULES_VERSION = 1


class DrawRefused(ValueError):
    """Rules or a draw that cannot be accepted: `field` names the rule (a form field of the
    draw page, or None for the rules as a whole), str() is the message for people."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _decimal(value, field_name: str, label: str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise DrawRefused(f"{label}应为数字，收到“{value}”。", field_name) from None
    if not number.is_finite():
        raise DrawRefused(f"{label}应为数字，收到“{value}”。", field_name)
    return number


@dataclass(frozen=True)
class DrawRules:
    """What a batch draws; validated when made (DrawRefused names the field)."""

    amount_threshold: Decimal | None = None  # 万元: every candidate with budget ≥ it
    random_share: Decimal = Decimal(0)  # 0–1 of the rest, per stratum, rounded up
    stratify: str = "none"  # none | unit | category
    units: tuple[str, ...] = ()  # unit codes the candidates are restricted to; () = all
    categories: tuple[str, ...] = ()  # project categories; () = all
    hand_picked: tuple[int, ...] = ()  # project ids taken whatever the rules
    approved_only: bool = True  # only projects whose self-evaluation is 已审核

    def __post_init__(self):
        threshold = self.amount_threshold
        if threshold is not None and threshold != "":
            threshold = _decimal(threshold, "amount_threshold", "金额标准")
            if threshold < 0:
                raise DrawRefused("金额标准不能为负数。", "amount_threshold")
        else:
            threshold = None
        share = _decimal(self.random_share if self.random_share not in (None, "") else 0,
                         "random_share", "随机抽取比例")
        if not Decimal(0) <= share <= Decimal(1):
            raise DrawRefused("随机抽取比例应在 0 到 100% 之间。", "random_share")
        if self.stratify not in STRATIFY:
            raise DrawRefused(f"分组方式“{self.stratify}”无效，应为 "
                              f"{'、'.join(STRATIFY)} 之一。", "stratify")
        try:
            hand = tuple(sorted({int(i) for i in self.hand_picked}))
        except (TypeError, ValueError):
            raise DrawRefused("指定抽取的项目应为项目编号。", "hand_picked") from None
        if any(i <= 0 for i in hand):
            raise DrawRefused("指定抽取的项目编号应为正整数。", "hand_picked")
        units = tuple(sorted({str(u).strip() for u in self.units if str(u).strip()}))
        categories = tuple(sorted({str(c).strip() for c in self.categories if str(c).strip()}))
        if threshold is None and share == 0 and not hand:
            raise DrawRefused("请至少设置一项抽取规则：金额标准、随机抽取比例或指定抽取的项目。")
        for name, value in (("amount_threshold", threshold), ("random_share", share),
                            ("hand_picked", hand), ("units", units),
                            ("categories", categories),
                            ("approved_only", bool(self.approved_only))):
            object.__setattr__(self, name, value)

    def to_json(self) -> dict:
        """The rules as JSON (Decimals as strings, so nothing is lost to floats)."""
        return {"version": RULES_VERSION,
                "amount_threshold": None if self.amount_threshold is None
                else str(self.amount_threshold),
                "random_share": str(self.random_share), "stratify": self.stratify,
                "units": list(self.units), "categories": list(self.categories),
                "hand_picked": list(self.hand_picked), "approved_only": self.approved_only}

    @classmethod
    def from_json(cls, data: dict) -> DrawRules:
        """The rules `to_json` wrote; keys it does not know (the recorded candidates) are left."""
        return cls(amount_threshold=data.get("amount_threshold"),
                   random_share=data.get("random_share") or "0",
                   stratify=data.get("stratify") or "none",
                   units=tuple(data.get("units") or ()),
                   categories=tuple(data.get("categories") or ()),
                   hand_picked=tuple(data.get("hand_picked") or ()),
                   approved_only=bool(data.get("approved_only", True)))


@dataclass(frozen=True)
class Candidate:
    project_id: int
    unit_code: str
    project_name: str
    category: str
    budget: Decimal  # effective budget (万元)

    def to_json(self) -> list:
        return [self.project_id, self.unit_code, self.project_name, self.category,
                str(self.budget)]

    @classmethod
    def from_json(cls, row: list) -> Candidate:
        project_id, unit_code, name, category, budget = row
        return cls(int(project_id), unit_code, name, category, Decimal(budget))


@dataclass(frozen=True)
class Pick:
    project_id: int
    reason: str  # hand | amount | random
    stratum: str = ""  # the random draw's group: a unit code, a category, or "" (all)
    draw_key: str = ""


def draw_key(seed: str, unit_code: str, project_name: str) -> str:
    """hex SHA-256 of "{seed}:{unit code}:{project name}" (UTF-8): the random draw takes, in
    each stratum, the candidates with the smallest keys."""
    return hashlib.sha256(f"{seed}:{unit_code}:{project_name}".encode()).hexdigest()


def check_seed(seed) -> str:
    text = str(seed if seed is not None else "").strip()
    if not text:
        raise DrawRefused("请填写随机种子，或留空由系统生成。", "seed")
    if len(text) > MAX_SEED_LENGTH:
        raise DrawRefused(f"随机种子不能超过 {MAX_SEED_LENGTH} 个字符。", "seed")
    return text


def new_seed() -> str:
    """A fresh seed: 12 decimal digits from the operating system's secure random source."""
    return str(10**11 + secrets.randbelow(9 * 10**11))


def share_count(share: Decimal, n: int) -> int:
    """k = ceil(share × n): a stratum of 7 with 20 % gives 2."""
    return int((share * n).to_integral_value(rounding=ROUND_CEILING))


def _stratum(candidate: Candidate, stratify: str) -> str:
    if stratify == "unit":
        return candidate.unit_code
    if stratify == "category":
        return candidate.category
    return ""


def draw(candidates: Iterable[Candidate], rules: DrawRules, seed: str) -> list[Pick]:
    """The sample: hand-picked, then amount, then random per stratum (see the module's
    docstring). The result is the same whatever the candidates' order, listed by reason, then
    stratum, then draw key."""
    seed = check_seed(seed)
    pool: dict[int, Candidate] = {}
    for candidate in candidates:
        if candidate.project_id in pool:
            raise DrawRefused(f"候选项目重复：{candidate.project_id}。")
        pool[candidate.project_id] = candidate
    missing = [i for i in rules.hand_picked if i not in pool]
    if missing:
        raise DrawRefused("指定抽取的项目不在候选项目中：" + "、".join(map(str, missing)) + "。",
                          "hand_picked")
    keys = {i: draw_key(seed, c.unit_code, c.project_name) for i, c in pool.items()}
    picks = [Pick(i, HAND, "", keys[i]) for i in rules.hand_picked]
    taken = set(rules.hand_picked)
    rest = [c for i, c in pool.items() if i not in taken
            and (not rules.units or c.unit_code in rules.units)
            and (not rules.categories or c.category in rules.categories)]
    if rules.amount_threshold is not None:
        above = [c for c in rest if c.budget >= rules.amount_threshold]
        picks += [Pick(c.project_id, AMOUNT, "", keys[c.project_id]) for c in above]
        taken.update(c.project_id for c in above)
        rest = [c for c in rest if c.project_id not in taken]
    if rules.random_share > 0:
        strata: dict[str, list[Candidate]] = {}
        for c in rest:
            strata.setdefault(_stratum(c, rules.stratify), []).append(c)
        for stratum, members in strata.items():
            members.sort(key=lambda c: (keys[c.project_id], c.project_id))
            k = share_count(rules.random_share, len(members))
            picks += [Pick(c.project_id, RANDOM, stratum, keys[c.project_id])
                      for c in members[:k]]
    return sorted(picks, key=lambda p: (REASON_ORDER[p.reason], p.stratum, p.draw_key,
                                        p.project_id))
