"""performance.normalize: every spelling docs/targets.md lists, and every error, in Chinese."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from performance.domain import DeviationReason, Direction, Grade, Likelihood, Operator
from performance.normalize import (
    ParsedValue,
    clean_name,
    clean_unit,
    join_broken,
    match_key,
    normalize_direction,
    normalize_grade,
    normalize_likelihood,
    normalize_operator,
    parse_decimal,
    parse_deviation_reasons,
    parse_target,
    to_halfwidth,
)

GE, GT, EQ, LT, LE, QL = (Operator.GE, Operator.GT, Operator.EQ, Operator.LT, Operator.LE,
                          Operator.QUALITATIVE)


# ---------------------------------------------------------------- operators
@pytest.mark.parametrize(
    "text, expected",
    [
        *[(s, GE) for s in ("≥", "≧", ">=", "＞＝", "大于等于", "⩾", "不低于", "不少于")],
        *[(s, LE) for s in ("≤", "≦", "<=", "＜＝", "小于等于", "⩽", "不超过", "不高于")],
        *[(s, GT) for s in (">", "＞", "大于")],
        *[(s, LT) for s in ("<", "＜", "小于")],
        *[(s, EQ) for s in ("=", "＝", "==", "等于")],
        ("定性", QL),
        # stray spaces, full-width spaces, line breaks
        (" ≥ ", GE), ("> =", GE), ("＞ ＝", GE), ("大于 等于", GE), ("\u3000≤\u3000", LE),
        ("< =", LE), ("小 于", LT), (" = ", EQ), ("定\n性", QL), ("\t＝\t", EQ),
    ],
)
def test_normalize_operator_spellings(text, expected):
    assert normalize_operator(text) is expected


@pytest.mark.parametrize("text", [None, "", "  ", "约", "≥≥", "abc", "95", "正向指标", "=>>"])
def test_normalize_operator_unknown_is_none(text):
    assert normalize_operator(text) is None


def test_normalize_operator_passes_members_through_and_canonical_values_roundtrip():
    for op in Operator:
        assert normalize_operator(op) is op
        assert normalize_operator(op.value) is op


# ---------------------------------------------------------------- directions and grades
@pytest.mark.parametrize(
    "text, expected",
    [("正向", Direction.POSITIVE), ("正向指标", Direction.POSITIVE),
     (" 正 向 指 标 ", Direction.POSITIVE), ("正向\n指标", Direction.POSITIVE),
     ("反向", Direction.NEGATIVE), ("反向指标", Direction.NEGATIVE),
     ("\u3000反向指标 ", Direction.NEGATIVE), (Direction.NEGATIVE, Direction.NEGATIVE)],
)
def test_normalize_direction(text, expected):
    assert normalize_direction(text) is expected


@pytest.mark.parametrize("text", [None, "", "正", "双向", "正向指标值", "≥"])
def test_normalize_direction_unknown_is_none(text):
    assert normalize_direction(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [("优", Grade.EXCELLENT), ("优秀", Grade.EXCELLENT), (" 优 ", Grade.EXCELLENT),
     ("良", Grade.GOOD), ("良好", Grade.GOOD), ("中", Grade.FAIR), ("中等", Grade.FAIR),
     ("一般", Grade.FAIR), ("差", Grade.POOR), ("较差", Grade.POOR), (Grade.GOOD, Grade.GOOD)],
)
def test_normalize_grade(text, expected):
    assert normalize_grade(text) is expected


@pytest.mark.parametrize("text", [None, "", "A", "优良", "95", "好"])
def test_normalize_grade_unknown_is_none(text):
    assert normalize_grade(text) is None


# ---------------------------------------------------------------- parse_decimal
@pytest.mark.parametrize(
    "value, expected",
    [("95", Decimal("95")), ("7.00", Decimal("7.00")), ("36.8", Decimal("36.8")),
     ("1,183.38", Decimal("1183.38")), ("1,000,000", Decimal("1000000")),
     ("１，１８３．３８", Decimal("1183.38")), ("９５", Decimal("95")), (" 2 ", Decimal("2")),
     ("-5", Decimal("-5")), ("－5", Decimal("-5")), (".5", Decimal("0.5")),
     ("1\n000", Decimal("1000")),
     (7, Decimal(7)), (0.1, Decimal("0.1")), (36.8, Decimal("36.8")), (1e-05, Decimal("1e-05")),
     (Decimal("2.50"), Decimal("2.50"))],
)
def test_parse_decimal(value, expected):
    result = parse_decimal(value)
    assert isinstance(result, Decimal)
    assert result == expected


def test_parse_decimal_float_goes_through_str_not_binary():
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(0.1) != Decimal(0.1)


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000"])
def test_parse_decimal_empty_is_none(value):
    assert parse_decimal(value) is None


@pytest.mark.parametrize(
    "value, fragment",
    [("abc", "不是数字"), ("约95", "不是数字"), ("95%", "不是数字"), ("1,0", "千分位"),
     ("12,34.5", "千分位"), ("1.2.3", "不是数字"), (True, "不是数字"),
     (float("nan"), "有限"), (float("inf"), "有限"), (Decimal("NaN"), "有限")],
)
def test_parse_decimal_garbage_raises_chinese_value_error(value, fragment):
    with pytest.raises(ValueError) as exc:
        parse_decimal(value)
    assert fragment in str(exc.value)


# ---------------------------------------------------------------- parse_target
@pytest.mark.parametrize(
    "text, number, operator, unit",
    [("95", "95", None, None), ("95%", "95", None, "%"), ("９５％", "95", None, "%"),
     ("≥95%", "95", GE, "%"), ("≥ 95 %", "95", GE, "%"), (">=95%", "95", GE, "%"),
     ("＞＝９５％", "95", GE, "%"), ("≤1年", "1", LE, "年"), ("＝100%", "100", EQ, "%"),
     ("1,183.38", "1183.38", None, None), ("１，０００", "1000", None, None),
     ("5000人次", "5000", None, "人次"), ("252.24 万条", "252.24", None, "万条"),
     ("550平方米/ 公里", "550", None, "平方米/公里"), ("\n98\n", "98", None, None),
     ("95%以上", "95", GE, "%"), ("3万元以下", "3", LE, "万元"), ("大于等于90", "90", GE, None),
     ("0", "0", None, None), ("0.5", "0.5", None, None)],
)
def test_parse_target_numbers(text, number, operator, unit):
    parsed = parse_target(text)
    assert parsed == ParsedValue(number=Decimal(number), operator=operator, unit=unit)
    assert isinstance(parsed.number, Decimal)
    assert parsed.ok


@pytest.mark.parametrize("value", [95, 95.5, Decimal("95.50")])
def test_parse_target_accepts_numbers(value):
    parsed = parse_target(value)
    assert parsed.number == Decimal(str(value)) and isinstance(parsed.number, Decimal)


@pytest.mark.parametrize(
    "text, grade", [("优", Grade.EXCELLENT), (" 良 ", Grade.GOOD), ("中等", Grade.FAIR),
                    ("较差", Grade.POOR), ("优秀", Grade.EXCELLENT)])
def test_parse_target_grades(text, grade):
    assert parse_target(text) == ParsedValue(grade=grade)


def test_parse_target_with_matching_declared_unit_is_ok():
    assert parse_target("95%", unit="%").ok
    assert parse_target("95％", unit=" % ").ok
    assert parse_target("95", unit="%").ok


@pytest.mark.parametrize(
    "text, unit, message",
    [("约95", None, "指标值“约95”不是数字"),
     ("约95", None, "也不是等级（优/良/中/差）"),
     ("", None, "指标值为空"), (None, None, "指标值为空"), ("  \n ", None, "指标值为空"),
     ("95-100", None, "指标值“95-100”不是数字"), ("≥", None, "指标值“≥”不是数字"),
     ("1,0", None, "千分位"), ("abc", None, "不是数字"), ("优良", None, "不是数字"),
     ("5000人次", "%", "单位“人次”与度量单位“%”不一致"), ("5‰", "%", "不一致")],
)
def test_parse_target_errors(text, unit, message):
    parsed = parse_target(text, unit=unit)
    assert not parsed.ok
    assert message in parsed.error


def test_parse_target_unit_conflict_still_reports_what_it_read():
    parsed = parse_target("5000人次", unit="%")
    assert parsed.number == Decimal(5000) and parsed.unit == "人次"


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_parse_target_roundtrips_decimals_with_and_without_separators(value):
    assert parse_target(str(value)).number == value
    assert parse_target(f"{value:,}").number == value
    assert parse_decimal(f"{value:,}") == value


@given(st.integers(min_value=0, max_value=10**12))
def test_full_width_digits_read_like_ascii(value):
    full = str(value).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    assert parse_decimal(full) == Decimal(value)
    assert parse_target(full + "％").number == Decimal(value)


# ---------------------------------------------------------------- names
@pytest.mark.parametrize(
    "text, expected",
    [("乡村振兴实施成果验收 合格率", "乡村振兴实施成果验收合格率"),
     ("元市社会 保险事务 中心", "元市社会保险事务中心"),
     ("城镇职工基本养老\n保险参保人数", "城镇职工基本养老保险参保人数"),
     ("社会保险委托稽核\r\n和基金管理专项经费", "社会保险委托稽核和基金管理专项经费"),
     ("\u3000群众满意度\u3000", "群众满意度"), ("群众\u3000满意度", "群众满意度"),
     ("IPTV 宣传场次", "IPTV 宣传场次"), ("云 MAS 短信服务费", "云 MAS 短信服务费"),
     ("IPTV  \n 宣传场次", "IPTV 宣传场次"), ("ＩＰＴＶ宣传场次", "IPTV宣传场次"),
     ("年均 50 件", "年均 50 件"), ("1. 稽核处理", "1. 稽核处理"),
     ("机保代财政管理工作经费（原代管 工作经费）", "机保代财政管理工作经费（原代管工作经费）"),
     ("“社保服务进万家” 专题活动成本", "“社保服务进万家”专题活动成本"),
     ("平方米/ 公里", "平方米/公里"), ("软、 硬件采购成本", "软、硬件采购成本"),
     ("购置\u200b读卡器", "购置读卡器"), ("", ""), (None, "")],
)
def test_clean_name(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    "parts, expected",
    [(("减轻财政工作负", "担。"), "减轻财政工作负担。"), (("342601-广元市社会", "保险事务中心"),
      "342601-广元市社会保险事务中心"), (("完成", "2025年"), "完成2025年"),
     (("2. 违规领", " 待追缴\n"), "2. 违规领待追缴"), (("IPTV", "platform"), "IPTV platform"),
     (("平方米/", "公里"), "平方米/公里"), (("", "险参保人数", ""), "险参保人数"), ((), "")],
)
def test_join_broken(parts, expected):
    assert join_broken(*parts) == expected


def test_clean_name_keeps_full_width_punctuation():
    # NFKC would turn these into ASCII; names keep them as printed.
    assert clean_name("（原代管工作经费）＞，") == "（原代管工作经费）＞，"
    assert to_halfwidth("＞＝９５ＡＢ") == "＞＝95AB"


@pytest.mark.parametrize(
    "text, expected",
    [("平方米/ 公里", "平方米/公里"), (" 台/套 ", "台/套"), ("万元/\n年", "万元/年"), ("％", "％"),
     ("", None), (None, None), ("  ", None)],
)
def test_clean_unit(text, expected):
    assert clean_unit(text) == expected


@pytest.mark.parametrize(
    "a, b",
    [("企保、机保代财政管理工作经费（原代管工作经费）",
      "企保,机保代财政管理工作经费(原代管工作经费)"),
     ("IPTV 宣传场次", "iptv宣传场次"), ("ＩＰＴＶ 宣传场次", "IPTV宣传场次"),
     ("云 MAS 短信服务费", "云MAS短信服务费"), ("软、硬件采购成本", "软，硬件采购成本"),
     ("“社保服务进万家”专题活动成本", "\"社保服务进万家\"专题活动成本"),
     ("乡村振兴实施成果验收 合格率", "乡村振兴实施成果验收合格率"),
     ("养老保险关系转移人次数", " 养老保险关系转移人次数\n")],
)
def test_match_key_equal(a, b):
    assert match_key(a) == match_key(b)


def test_match_key_keeps_different_names_apart():
    assert match_key("参保对象满意度") != match_key("群众满意度")
    assert match_key("培训费") != match_key("培训人数")


@given(st.text(alphabet=st.sampled_from("社会保险IPTV 95 \n\u3000（）()、,，.-/"), max_size=30))
def test_clean_name_is_idempotent_and_match_key_stable(text):
    once = clean_name(text)
    assert clean_name(once) == once
    assert "\n" not in once and "\u3000" not in once and "  " not in once
    assert match_key(once) == match_key(text)


# ---------------------------------------------------------------- monitoring vocabularies
@pytest.mark.parametrize(
    "text, expected",
    [("确定能", Likelihood.CERTAIN), ("能完成", Likelihood.CERTAIN), (" 确定 能 ", Likelihood.CERTAIN),
     ("有可能", Likelihood.POSSIBLE), ("可能", Likelihood.POSSIBLE),
     ("完全不可能", Likelihood.IMPOSSIBLE), ("不可能", Likelihood.IMPOSSIBLE),
     ("也许吧", None), (None, None), ("", None)],
)
def test_normalize_likelihood(text, expected):
    assert normalize_likelihood(text) == expected


FUND, POLICY, STAFF, HARD, OTHER = (DeviationReason.FUNDING, DeviationReason.POLICY,
                                   DeviationReason.STAFF, DeviationReason.HARDWARE,
                                   DeviationReason.OTHER)


@pytest.mark.parametrize(
    "text, expected",
    [("经费", [FUND]), ("人员、经费", [FUND, STAFF]), ("经费原因；硬件", [FUND, HARD]),
     ("制度, 其它", [POLICY, OTHER]), ("硬件条件/人员\n其他", [STAFF, HARD, OTHER]),
     ("经费 经费", [FUND]), ("", []), (None, []),
     ("资金拨付滞后，导致采购推迟", None), ("经费、天气", None)],
)
def test_parse_deviation_reasons(text, expected):
    assert parse_deviation_reasons(text) == expected
