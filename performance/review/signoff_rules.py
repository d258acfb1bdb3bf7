"""Who confirms a project's 目标审核 result, and in which order (docs/review.md).

Pure: no queries (like the other pure modules of this package). The finance
bureau records the result (通过 / 修改后通过 / 不通过); before it may, the levels below confirm
the review level by level:

    单位审核 (本单位审核人) ──确认──▶ 主管部门审核 (主管部门审核人) ──确认──▶ 财政：记录审核结果
         ▲ 退回填报人              │ 退回单位审核                     │ 退回上一级
         └─────────────────────────┘ ◀───────────────────────────────┘

单位审核 is a level only where the unit has a 单位审核人 (a unit without one keeps the
finance-only review it always had); 主管部门审核 only where the deployment turns the tier on and
the unit's department has a reviewer (performance.access.department_tier). Both are decided
when asked, not stored: the level a project waits for always has someone who can act.

A return, with its reason, clears the confirmation of the level just below, which then acts
again; a return from the first level goes back to the unit's 填报人 (it clears nothing, the
reason is what counts). Every confirmation, return and recorded result is kept.

The levels, their reviewers and capacities are those of the target adjustments'
chain (performance.chain, pure too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from performance.chain import CAPACITY_OF_LEVEL, REVIEWER_TEXT, Level

UNIT, DEPARTMENT, FINANCE = Level.UNIT, Level.DEPARTMENT, Level.FINANCE
ORDER = (UNIT, DEPARTMENT, FINANCE)
CONFIRM, RETURN, RECORD = "confirm", "return", "record"

LEVEL_TEXT = {level: level.label for level in ORDER}
CAPACITY = CAPACITY_OF_LEVEL
ACTION_TEXT = {CONFIRM: "确认", RETURN: "退回", RECORD: "记录审核结果"}
FILLER_TEXT = "本单位填报人"


class Event(Protocol):
    """What the rules read of a stored step (performance.models.review.TargetReviewSignoff)."""

    level: str
    action: str


def levels(unit_reviewed: bool, department_tier: bool) -> tuple[str, ...]:
    """The levels a project's review passes, in order; finance always last."""
    return tuple(level for level, on in ((UNIT, unit_reviewed), (DEPARTMENT, department_tier),
                                         (FINANCE, True)) if on)


def below(level: str, chain: tuple[str, ...]) -> str | None:
    """The level a return from `level` goes back to (None: the unit's 填报人)."""
    lower = [each for each in ORDER[:ORDER.index(level)] if each in chain]
    return lower[-1] if lower else None


def return_target_text(level: str, chain: tuple[str, ...]) -> str:
    target = below(level, chain)
    return LEVEL_TEXT[target] if target else FILLER_TEXT


@dataclass(frozen=True)
class SignoffState:
    """Where a project's review stands: the levels it passes, those confirmed, whether finance
    has recorded a result, and the return in effect (the last step, when it is a return)."""

    levels: tuple[str, ...]
    confirmed: frozenset[str]
    decided: bool
    last_return: Event | None = None

    @property
    def waiting_for(self) -> str | None:
        """The level whose reviewers act next; None once finance has recorded the result."""
        for level in self.levels:
            if level != FINANCE and level not in self.confirmed:
                return level
        return None if self.decided else FINANCE

    @property
    def status_text(self) -> str:
        waiting = self.waiting_for
        if waiting is None:
            return "已记录审核结果"
        if waiting == FINANCE:
            return "待财政审核" + ("（可重新记录）" if self.decided else "")
        return f"待{LEVEL_TEXT[waiting]}确认"


def state_of(chain: tuple[str, ...], events: Iterable[Event], decided: bool) -> SignoffState:
    """The state after `events` (oldest first) for a project whose review passes `chain`."""
    confirmed: set[str] = set()
    last = None
    for event in events:
        if event.action == CONFIRM:
            confirmed.add(event.level)
        elif event.action == RETURN:
            target = below(event.level, tuple({*chain, event.level}))
            confirmed.discard(target)
        last = event
    return SignoffState(chain, frozenset(confirmed) & frozenset(chain), decided,
                        last if last is not None and last.action == RETURN else None)


def order_refusal(action: str, state: SignoffState, *, level: str | None = None,
                  reason: str = "") -> str | None:
    """Why `action` cannot happen now whoever asks (None: it can). `level`: the level the
    asking page showed as waiting, so a step on a stale page is refused."""
    waiting = state.waiting_for
    if action == RECORD:
        if waiting not in (FINANCE, None):
            return (f"该项目待{LEVEL_TEXT[waiting]}确认：须先经{REVIEWER_TEXT[waiting]}确认，"
                    "财政才能记录审核结果。")
        return None
    if waiting is None:
        return "该项目已记录审核结果；如需修改，由财政审核人重新记录。"
    if level is not None and level != waiting:
        return f"该项目现在待{LEVEL_TEXT[waiting]}（他人刚刚处理），请刷新页面后再试。"
    if action == CONFIRM and waiting == FINANCE:
        return "财政审核请直接记录审核结果。"
    if action == RETURN and not reason.strip():
        return "退回时须填写退回原因。"
    return None


def refusal(action: str, state: SignoffState, capacities: Iterable[str], *,
            level: str | None = None, reason: str = "") -> str | None:
    """Why someone acting in `capacities` may not take `action` now (None: they may)."""
    capacities = frozenset(capacities)
    waiting = state.waiting_for
    if action != RECORD and (waiting is None or level not in (None, waiting)):
        return order_refusal(action, state, level=level)  # done, or moved on since the page
    acting = FINANCE if action == RECORD else waiting
    if CAPACITY[acting] not in capacities:
        if action == RECORD:
            return "只有财政审核人可以记录审核结果。"
        return (f"该项目待{LEVEL_TEXT[acting]}，只有{REVIEWER_TEXT[acting]}可以"
                f"{ACTION_TEXT[action]}。")
    return order_refusal(action, state, level=level, reason=reason)


def acts(state: SignoffState, capacities: Iterable[str]) -> frozenset[str]:
    """The steps someone in `capacities` may take now: what the page offers them."""
    return frozenset(action for action in (CONFIRM, RETURN, RECORD)
                     if refusal(action, state, capacities, reason="-") is None)
