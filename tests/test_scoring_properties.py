"""Property tests of the pure scoring engine (hypothesis)."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from performance.domain import Grade, Operator
from performance.scoring import (
    DEFAULT_POLICY,
    ExecutionInput,
    IndicatorInput,
    ScoringPolicy,
    score_execution,
    score_indicator,
    score_project,
)

settings.register_profile("scoring", deadline=None, max_examples=200)
settings.load_profile("scoring")

RATIO_POLICY = ScoringPolicy(name="ratio", negative_convention="ratio")
POLICIES = st.sampled_from([DEFAULT_POLICY, RATIO_POLICY])
weights = st.decimals(min_value=D("0.1"), max_value=50, places=1)
targets = st.decimals(min_value=0, max_value=10**6, places=2)
actuals = st.decimals(min_value=-1000, max_value=10**6, places=2)
optional = st.none() | actuals
deductions = st.decimals(min_value=0, max_value=60, places=1)
grades = st.sampled_from(list(Grade))
quantitative_ops = st.sampled_from([op for op in Operator if op.is_quantitative])

indicators = st.one_of(
    st.builds(IndicatorInput, weight=weights, operator=quantitative_ops, target=st.none() | targets,
              actual=optional, deduction=st.just(D(0)) | deductions),
    st.builds(IndicatorInput, weight=weights, operator=st.just(Operator.QUALITATIVE),
              actual_grade=st.none() | grades, deduction=st.just(D(0)) | deductions),
)


@given(indicators, POLICIES)
def test_indicator_score_stays_between_zero_and_weight(indicator, policy):
    result = score_indicator(indicator, policy)
    assert isinstance(result.score, D)
    assert D(0) <= result.score <= result.raw_score <= indicator.weight
    assert result.score.as_tuple().exponent == -2
    assert result.explanation


@given(weights, st.sampled_from([Operator.GE, Operator.GT, Operator.EQ]), targets, actuals, actuals,
       POLICIES)
def test_more_is_better_score_never_falls_as_actual_grows(weight, op, target, a1, a2, policy):
    low, high = sorted((a1, a2))
    if op is Operator.EQ and target == 0:
        target = D(1)  # ＝ 0 is "exactly zero", not more-is-better
    score = [score_indicator(IndicatorInput(weight, op, target=target, actual=a), policy).score
             for a in (low, high)]
    assert score[0] <= score[1]


@given(weights, st.sampled_from([Operator.LE, Operator.LT]), targets, actuals, actuals, POLICIES)
def test_less_is_better_score_never_rises_as_actual_grows(weight, op, target, a1, a2, policy):
    low, high = sorted((a1, a2))
    score = [score_indicator(IndicatorInput(weight, op, target=target, actual=a), policy).score
             for a in (low, high)]
    assert score[0] >= score[1]


@given(weights)
def test_better_grade_never_scores_less(weight):
    scores = [score_indicator(IndicatorInput(weight, Operator.QUALITATIVE, actual_grade=g)).score
              for g in Grade]  # 优 良 中 差
    assert scores == sorted(scores, reverse=True)


@given(st.decimals(min_value=0, max_value=10**7, places=2),
       st.none() | st.decimals(min_value=0, max_value=10**7, places=2),
       st.decimals(min_value=-10, max_value=10**7, places=2),
       st.decimals(min_value=0, max_value=10**7, places=2))
def test_execution_score_is_bounded_and_grows_with_spending(budget, adjusted, s1, s2):
    low, high = sorted((s1, s2))
    scores = [score_execution(ExecutionInput(budget, adjusted, s)).score for s in (low, high)]
    assert D(0) <= scores[0] <= scores[1] <= DEFAULT_POLICY.execution_weight


@st.composite
def weights_adding_to_90(draw):
    """1–12 positive weights in tenths of a point that add up to exactly 90."""
    n = draw(st.integers(min_value=1, max_value=12))
    cuts = sorted(draw(st.sets(st.integers(1, 899), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 900]
    return [D(b - a) / 10 for a, b in zip(bounds, bounds[1:], strict=False)]


@given(weights_adding_to_90(), st.data(), POLICIES)
def test_project_with_weights_adding_to_90_never_totals_above_100(weights, data, policy):
    items = []
    for w in weights:
        if data.draw(st.booleans()):
            items.append(IndicatorInput(w, Operator.QUALITATIVE, actual_grade=data.draw(grades)))
        else:
            op = data.draw(quantitative_ops)
            items.append(IndicatorInput(w, op, target=data.draw(targets),
                                        actual=data.draw(optional),
                                        deduction=data.draw(st.just(D(0)) | deductions)))
    spent = data.draw(st.none() | st.decimals(min_value=0, max_value=10**6, places=2))
    budget = data.draw(st.decimals(min_value=0, max_value=10**6, places=2))
    result = score_project(items, ExecutionInput(budget, None, spent), policy)
    assert result.weight_total_ok
    assert D(0) <= result.total <= D(100)
    assert result.total == result.execution.score + sum(s.score for s in result.indicator_scores)
    assert result.grade is policy.grade_for(result.total)


@given(st.decimals(min_value=D("1.01"), max_value=3, places=2),
       st.decimals(min_value=0, max_value=1, places=2),
       st.sampled_from(["linear", "ratio"]))
def test_policy_round_trips_through_a_mapping(overshoot, threshold, convention):
    p = ScoringPolicy(negative_convention=convention, overshoot_threshold=overshoot,
                      execution_reason_threshold=threshold)
    again = ScoringPolicy.from_mapping(p.as_mapping())
    assert again == p and again.fingerprint == p.fingerprint
