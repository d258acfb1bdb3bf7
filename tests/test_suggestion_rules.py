"""The pure rules of 结果应用: grade → suggestion, rounding, and finance's override."""

from decimal import Decimal as D

import pytest

from performance.suggestion_rules import (
    CANCEL,
    CUT,
    KEEP,
    PRIORITY,
    MissingRule,
    OverrideInvalid,
    Rule,
    amount_for,
    clean_override,
    missing_grades,
    suggest,
)

RULES = {"优": Rule(PRIORITY), "良": Rule(KEEP, wording="保障"), "中": Rule(CUT, D("10")),
         "差": Rule(CANCEL)}


def test_priority_and_keep_suggest_the_base_amount():
    assert suggest("优", RULES, D("120.50")).suggested_amount == D("120.50")
    found = suggest("良", RULES, D("80"))
    assert (found.action, found.suggested_amount, found.wording) == (KEEP, D("80.00"), "保障")


def test_cut_takes_the_rate_off_the_base():
    found = suggest("中", RULES, D("200"))
    assert (found.action, found.rate, found.suggested_amount) == (CUT, D("10"), D("180.00"))


def test_cut_rounds_half_up_to_the_cent():
    # 0.05 × 0.85 = 0.0425 → 0.04; 0.15 × 0.85 = 0.1275 → 0.13 (half up, not to even)
    assert amount_for(CUT, D("15"), D("0.05")) == D("0.04")
    assert amount_for(CUT, D("15"), D("0.15")) == D("0.13")
    assert amount_for(CUT, D("50"), D("0.01")) == D("0.01")  # 0.005 → 0.01


def test_cancel_suggests_zero():
    assert suggest("差", RULES, D("99")).suggested_amount == D("0.00")


def test_rate_is_zero_unless_cut():
    assert suggest("优", {"优": Rule(PRIORITY, D("20"))}, D("10")).rate == D("0")


def test_a_grade_without_a_rule_is_refused_clearly():
    with pytest.raises(MissingRule, match="中"):
        suggest("中", {"优": Rule(PRIORITY)}, D("1"))
    assert missing_grades(["中", "优", "", "差", "中"], {"优": Rule(PRIORITY)}) == ["中", "差"]


def test_override_requires_action_and_reason():
    with pytest.raises(OverrideInvalid) as caught:
        clean_override("", None, None, " ", D("10"))
    assert set(caught.value.errors) == {"action", "reason"}


def test_override_cut_requires_a_rate_between_0_and_100():
    for rate in (None, "", "101", "-1", "abc", "10.001"):
        with pytest.raises(OverrideInvalid) as caught:
            clean_override(CUT, rate, None, "理由", D("10"))
        assert "rate" in caught.value.errors


def test_override_rate_only_for_cut():
    with pytest.raises(OverrideInvalid) as caught:
        clean_override(KEEP, "5", None, "理由", D("10"))
    assert "rate" in caught.value.errors
    assert clean_override(KEEP, "0", None, "理由", D("10")).rate is None


def test_override_amount_computed_when_omitted():
    found = clean_override(CUT, "25", "", " 压减 ", D("100"))
    assert (found.action, found.rate, found.amount, found.reason) == (CUT, D("25"), D("75.00"),
                                                                      "压减")
    assert clean_override(CANCEL, None, None, "停", D("100")).amount == D("0.00")


def test_override_amount_given_is_kept_and_must_not_be_negative():
    assert clean_override(KEEP, None, "88.5", "理由", D("100")).amount == D("88.50")
    for amount in ("-1", "x", "1.234"):
        with pytest.raises(OverrideInvalid) as caught:
            clean_override(KEEP, None, amount, "理由", D("100"))
        assert "amount" in caught.value.errors
