"""The pure draw of a 复核批次 (performance.checks.draw): reproducible from the seed whatever the
candidates' order, the amount rule, the share per stratum rounded up, hand picks, the draw key
as anyone computes it, and the rules' validation naming the field."""

import random
from decimal import Decimal

import pytest

from performance.checks.draw import (
    AMOUNT,
    HAND,
    RANDOM,
    Candidate,
    DrawRefused,
    DrawRules,
    Pick,
    draw,
    draw_key,
    new_seed,
    share_count,
)


def candidates(n=40, units=("342601", "342602", "342603"), categories=("specific", "operation")):
    return [Candidate(project_id=i + 1, unit_code=units[i % len(units)],
                      project_name=f"项目{i + 1:03d}", category=categories[i % len(categories)],
                      budget=Decimal(10 * (i + 1)))
            for i in range(n)]


def ids(picks, reason=None):
    return {p.project_id for p in picks if reason is None or p.reason == reason}


def test_the_same_seed_draws_the_same_sample():
    rules = DrawRules(random_share=Decimal("0.25"), stratify="unit")
    assert draw(candidates(), rules, "20260301") == draw(candidates(), rules, "20260301")


def test_the_order_of_the_candidates_does_not_matter():
    rules = DrawRules(amount_threshold=Decimal(300), random_share=Decimal("0.3"),
                      stratify="category", hand_picked=(5,))
    shuffled = candidates()
    random.Random(7).shuffle(shuffled)
    assert draw(shuffled, rules, "abc") == draw(candidates(), rules, "abc")


def test_the_amount_rule_takes_every_candidate_at_or_above_the_threshold():
    picks = draw(candidates(), DrawRules(amount_threshold=Decimal(300)), "1")
    assert ids(picks) == ids(picks, AMOUNT) == set(range(30, 41))  # budgets 300 … 400


def test_the_share_is_rounded_up_in_each_stratum():
    # 40 candidates over 3 units: 14, 13, 13 → 20 % gives 3, 3, 3
    picks = draw(candidates(), DrawRules(random_share=Decimal("0.2"), stratify="unit"), "s")
    per_unit = {}
    for p in picks:
        per_unit[p.stratum] = per_unit.get(p.stratum, 0) + 1
    assert per_unit == {"342601": 3, "342602": 3, "342603": 3}
    assert share_count(Decimal("0.2"), 14) == 3
    assert share_count(Decimal("0.2"), 15) == 3
    assert share_count(Decimal("0.01"), 1) == 1
    assert share_count(Decimal(0), 50) == 0


def test_the_random_draw_takes_the_smallest_keys_of_each_stratum():
    pool = candidates(12)
    picks = draw(pool, DrawRules(random_share=Decimal("0.5"), stratify="category"), "seed-9")
    for category in ("specific", "operation"):
        members = sorted((c for c in pool if c.category == category),
                         key=lambda c: draw_key("seed-9", c.unit_code, c.project_name))
        assert ids(p for p in picks if p.stratum == category) == {c.project_id
                                                                   for c in members[:3]}


def test_hand_picked_projects_come_first_and_are_never_taken_twice():
    rules = DrawRules(amount_threshold=Decimal(380), random_share=Decimal(1),
                      hand_picked=(40, 2))
    picks = draw(candidates(), rules, "x")
    assert [p.reason for p in picks[:2]] == [HAND, HAND]
    assert ids(picks, HAND) == {2, 40}
    assert ids(picks, AMOUNT) == {38, 39}
    assert len(picks) == len(ids(picks)) == 40


def test_units_and_categories_restrict_the_rules_but_not_the_hand_picks():
    rules = DrawRules(amount_threshold=Decimal(0), units=("342602",), categories=("operation",),
                      hand_picked=(1,))
    picks = draw(candidates(), rules, "x")
    pool = {c.project_id: c for c in candidates()}
    assert ids(picks, HAND) == {1}
    assert all(pool[p].unit_code == "342602" and pool[p].category == "operation"
               for p in ids(picks, AMOUNT))
    assert ids(picks, AMOUNT)


def test_another_seed_draws_another_sample():
    rules = DrawRules(random_share=Decimal("0.1"))
    pool = candidates(200)
    assert ids(draw(pool, rules, "1")) != ids(draw(pool, rules, "2"))
    assert len(draw(pool, rules, "1")) == len(draw(pool, rules, "2")) == 20


def test_the_draw_key_is_sha256_of_seed_unit_code_and_name():
    # worked by hand: printf '12345:342601:社会保险经办服务' | sha256sum
    expected = "45380fd91091332e9decc126ee96e31d75b49fb551011c60508a1a8ef02211ab"
    assert draw_key("12345", "342601", "社会保险经办服务") == expected
    pool = [Candidate(7, "342601", "社会保险经办服务", "specific", Decimal(5))]
    assert draw(pool, DrawRules(random_share=Decimal(1)), "12345") == [
        Pick(7, RANDOM, "", expected)]


def test_a_hand_pick_outside_the_candidates_is_refused():
    with pytest.raises(DrawRefused) as refused:
        draw(candidates(3), DrawRules(hand_picked=(99,)), "x")
    assert refused.value.field == "hand_picked"
    assert "99" in str(refused.value)


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"random_share": Decimal("1.5")}, "random_share", "0 到 100%"),
    ({"random_share": Decimal("-0.1")}, "random_share", "0 到 100%"),
    ({"random_share": "abc"}, "random_share", "应为数字"),
    ({"amount_threshold": Decimal(-1)}, "amount_threshold", "不能为负数"),
    ({"random_share": Decimal("0.1"), "stratify": "county"}, "stratify", "分组方式"),
    ({"hand_picked": ("x",)}, "hand_picked", "项目编号"),
    ({}, None, "至少设置一项"),
])
def test_invalid_rules_are_refused_naming_the_field(kwargs, field, words):
    with pytest.raises(DrawRefused) as refused:
        DrawRules(**kwargs)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_an_empty_seed_is_refused():
    with pytest.raises(DrawRefused) as refused:
        draw(candidates(3), DrawRules(random_share=Decimal(1)), "  ")
    assert refused.value.field == "seed"


def test_rules_survive_json_with_decimals_as_strings():
    rules = DrawRules(amount_threshold=Decimal("500.50"), random_share=Decimal("0.15"),
                      stratify="unit", units=("342602", "342601"), categories=("specific",),
                      hand_picked=(9, 3), approved_only=False)
    data = rules.to_json()
    assert data["amount_threshold"] == "500.50" and data["random_share"] == "0.15"
    assert data["units"] == ["342601", "342602"] and data["hand_picked"] == [3, 9]
    assert DrawRules.from_json({**data, "candidates": []}) == rules


def test_candidates_survive_json():
    candidate = Candidate(3, "342601", "项目", "specific", Decimal("12.30"))
    assert Candidate.from_json(candidate.to_json()) == candidate


def test_new_seeds_are_decimal_strings_that_differ():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(s.isdigit() and len(s) == 12 for s in seeds)
