"""Canonical values from the many spellings of real 表13 files.

Pure module: no Django import. The Excel importer, the document parser and the forms all go
through here, so one spelling is recognised the same way everywhere.

Width is handled explicitly, character by character: NFKC would also rewrite the canonical
operators (＞ → >) and the Chinese punctuation of names, so it is only used for `match_key`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from performance.domain import DeviationReason, Direction, Grade, Likelihood, Operator

__all__ = [
    "ParsedValue",
    "clean_name",
    "clean_unit",
    "frozen",
    "join_broken",
    "match_key",
    "normalize_direction",
    "normalize_grade",
    "normalize_likelihood",
    "normalize_operator",
    "parse_decimal",
    "parse_deviation_reasons",
    "parse_target",
    "to_halfwidth",
]

# ---------------------------------------------------------------- width and whitespace

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
_SPACE_MAP = dict.fromkeys(map(ord, _SPACES), " ")
# Full-width digits and Latin letters (never punctuation: names keep their （）、，).
_ALNUM_MAP = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}
# Extra full-width punctuation that only ever matters inside numbers.
_NUMBER_PUNCT = {ord("．"): ".", ord("，"): ",", ord("％"): "%", ord("－"): "-",
                 ord("−"): "-", ord("＋"): "+"}


def _is_cjk(ch: str) -> bool:
    """CJK ideographs, CJK punctuation and full-width forms."""
    cp = ord(ch)
    return (
        0x3000 <= cp <= 0x303F  # CJK symbols and punctuation
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x2018 <= cp <= 0x201F  # “ ” ‘ ’ as used in Chinese text
        or 0x20000 <= cp <= 0x3FFFF
    )


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# The three maps in one table: their keys are disjoint and no output of one is a key of
# another, so one translate does what three in a row did (an import calls this per cell).
_HALFWIDTH = {**_ZERO_WIDTH, **_SPACE_MAP, **_ALNUM_MAP}
_WHITESPACE = re.compile(r"\s+")


def to_halfwidth(text: str) -> str:
    """Full-width digits and Latin letters → ASCII; odd spaces → ' '; zero-width removed."""
    return str(text).translate(_HALFWIDTH)


def _whitespace_between(left: str, right: str) -> str:
    """Keep one space between Latin/digit tokens ('IPTV 宣传', '年均 50 件', '1. 稽核');
    drop the break a PDF copy puts between Chinese characters ('验收 合格率', '平方米/ 公里')."""
    if not left or not right:
        return ""
    if _is_ascii_alnum(left) or _is_ascii_alnum(right) or left in ".,;:!?)%":
        return " "
    if _is_cjk(left) or _is_cjk(right):
        return ""
    return " "


def clean_name(text: object) -> str:
    """A name as it should be stored: no line breaks or stray spaces inside Chinese text."""
    if text is None:
        return ""
    s = str(text).translate(_HALFWIDTH).strip()
    if _WHITESPACE.search(s) is None:  # most names: nothing inside to rejoin
        return s

    def repl(m: re.Match[str]) -> str:
        return _whitespace_between(s[m.start() - 1: m.start()], s[m.end(): m.end() + 1])

    return _WHITESPACE.sub(repl, s)


def join_broken(*parts: object) -> str:
    """Join text that a PDF broke across lines: a line break between two Latin letters/digits
    was a space ('IPTV' + 'platform'); anywhere else (Chinese text, punctuation, a number after
    Chinese) it was nothing ('减轻财政工作负' + '担。', '完成' + '2025年')."""
    out = ""
    for part in parts:
        text = clean_name(part)
        if out and text and _is_ascii_alnum(out[-1]) and _is_ascii_alnum(text[0]):
            out += " "
        out += text
    return out


def clean_unit(text: object) -> str | None:
    """A 度量单位: all whitespace removed ('平方米/ 公里' → '平方米/公里'); None when empty."""
    if text is None:
        return None
    try:
        return _clean_unit(text)
    except TypeError:  # unhashable: not a cell value, but still text
        return _clean_unit(str(text))


@functools.lru_cache(maxsize=4096)
def _clean_unit(text: object) -> str | None:
    # A few dozen units repeat on every row of a file (and the review asks for each again).
    return _WHITESPACE.sub("", str(text).translate(_HALFWIDTH)) or None


class _KeyChars(dict):
    """str.translate table for match_key: each character's fate (dropped when it is a space or
    punctuation, else kept) looked up in unicodedata once, then remembered."""

    def __missing__(self, code: int):
        ch = chr(code)
        keep = not ch.isspace() and not unicodedata.category(ch).startswith("P")
        value = self[code] = code if keep else None
        return value


_KEY_CHARS = _KeyChars()


def match_key(text: object) -> str:
    """A key to match names across files: case, width, spaces and punctuation ignored."""
    return unicodedata.normalize("NFKC", clean_name(text)).casefold().translate(_KEY_CHARS)


# ---------------------------------------------------------------- bulk building


def frozen(cls, values: dict):
    """`cls(**values)` for a frozen dataclass, built in bulk: its generated __init__ sets each
    field through object.__setattr__ (several µs for a dozen fields: more than reading the row
    from the file), this fills the instance's __dict__ at once. `values` must name every
    field; a class with __slots__ or __post_init__ gets its own __init__."""
    if _plain_frozen(cls):
        instance = object.__new__(cls)
        instance.__dict__.update(values)
        return instance
    return cls(**values)


@functools.cache
def _plain_frozen(cls) -> bool:
    return (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
            and not hasattr(cls, "__slots__") and not hasattr(cls, "__post_init__"))


# ---------------------------------------------------------------- vocabularies

_OPERATOR_SPELLINGS: dict[str, Operator] = {}
for _op, _spellings in {
    Operator.GE: ("≥", "≧", "⩾", ">=", "＞＝", "＞=", ">＝", "=>", "大于等于", "大于或等于",
                  "不小于", "不低于", "不少于"),
    Operator.LE: ("≤", "≦", "⩽", "<=", "＜＝", "＜=", "<＝", "=<", "小于等于", "小于或等于",
                  "不大于", "不高于", "不多于", "不超过"),
    Operator.GT: (">", "＞", "大于", "高于", "多于"),
    Operator.LT: ("<", "＜", "小于", "低于", "少于"),
    Operator.EQ: ("=", "＝", "==", "＝＝", "等于"),
    Operator.QUALITATIVE: ("定性", "定性指标"),
}.items():
    for _s in _spellings:
        _OPERATOR_SPELLINGS[_s] = _op
# Longest first, so that '>=' wins over '>' when a value cell starts with an operator.
_OPERATOR_PREFIXES = sorted(_OPERATOR_SPELLINGS, key=len, reverse=True)

_DIRECTION_SPELLINGS = {
    "正向": Direction.POSITIVE, "正向指标": Direction.POSITIVE,
    "反向": Direction.NEGATIVE, "反向指标": Direction.NEGATIVE,
}

_GRADE_SPELLINGS = {
    "优": Grade.EXCELLENT, "优秀": Grade.EXCELLENT,
    "良": Grade.GOOD, "良好": Grade.GOOD,
    "中": Grade.FAIR, "中等": Grade.FAIR, "一般": Grade.FAIR,
    "差": Grade.POOR, "较差": Grade.POOR,
}

# A value cell may end in 以上/以下 ("95%以上"); 以上/以下 include the number itself.
_OPERATOR_SUFFIXES = (("及以上", Operator.GE), ("以上", Operator.GE),
                      ("及以下", Operator.LE), ("以下", Operator.LE))


def _squeeze(text: object) -> str:
    return re.sub(r"\s+", "", to_halfwidth(str(text)))


def normalize_operator(text: object) -> Operator | None:
    """指标性质 in any common spelling → Operator; None when not recognised."""
    if text is None:
        return None
    if isinstance(text, Operator):
        return text
    return _OPERATOR_SPELLINGS.get(_squeeze(text))


def normalize_direction(text: object) -> Direction | None:
    """指标方向性: 正向/正向指标/反向/反向指标 → Direction; None when not recognised."""
    if text is None:
        return None
    if isinstance(text, Direction):
        return text
    return _DIRECTION_SPELLINGS.get(_squeeze(text))


def normalize_grade(text: object) -> Grade | None:
    """A grade: 优/良/中/差 (also 优秀/良好/中等/一般/较差) → Grade; None when not recognised."""
    if text is None:
        return None
    if isinstance(text, Grade):
        return text
    return _GRADE_SPELLINGS.get(_squeeze(text))


_LIKELIHOOD_SPELLINGS = {
    "确定能": Likelihood.CERTAIN, "确定能完成": Likelihood.CERTAIN, "能": Likelihood.CERTAIN,
    "能完成": Likelihood.CERTAIN, "肯定能": Likelihood.CERTAIN, "确定": Likelihood.CERTAIN,
    "有可能": Likelihood.POSSIBLE, "可能": Likelihood.POSSIBLE, "有可能完成": Likelihood.POSSIBLE,
    "完全不可能": Likelihood.IMPOSSIBLE, "不可能": Likelihood.IMPOSSIBLE,
    "完全不可能完成": Likelihood.IMPOSSIBLE, "不能完成": Likelihood.IMPOSSIBLE,
}

_DEVIATION_SPELLINGS = {
    "经费": DeviationReason.FUNDING, "资金": DeviationReason.FUNDING,
    "制度": DeviationReason.POLICY, "政策": DeviationReason.POLICY,
    "人员": DeviationReason.STAFF,
    "硬件条件": DeviationReason.HARDWARE, "硬件": DeviationReason.HARDWARE,
    "其他": DeviationReason.OTHER, "其它": DeviationReason.OTHER,
}


def normalize_likelihood(text: object) -> Likelihood | None:
    """完成可能性: 确定能/有可能/完全不可能 (also 能完成, 可能, 不可能 …); None when not recognised."""
    if text is None:
        return None
    if isinstance(text, Likelihood):
        return text
    return _LIKELIHOOD_SPELLINGS.get(_squeeze(text))


def parse_deviation_reasons(text: object) -> list[DeviationReason] | None:
    """偏差原因 as categories: '经费、人员', '经费原因;硬件' → [经费, 人员] in the enum's order.

    [] for an empty cell; None when the text is not a list of categories (a free-text reason).
    """
    if text is None:
        return []
    tokens = [t for t in re.split(r"[、,，;；/|\s]+", to_halfwidth(str(text)).strip()) if t]
    found = set()
    for token in tokens:
        token = re.sub(r"(原因|因素|方面)$", "", token)
        reason = _DEVIATION_SPELLINGS.get(token)
        if reason is None:
            return None
        found.add(reason)
    return [reason for reason in DeviationReason if reason in found]


# ---------------------------------------------------------------- numbers

_NUMBER_RE = re.compile(r"[+-]?(?:[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)")
# A number written with more characters than this is out of range for every column (the widest
# holds 18 digits): refused before it becomes a Decimal, and messages echo only its start.
MAX_NUMBER_CHARS = 64
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


def _number_text(text: str) -> str:
    return _squeeze(text).translate(_NUMBER_PUNCT)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_NUMBER_CHARS else f"{text[:MAX_NUMBER_CHARS]}…"


def _to_decimal(number: str, original: object) -> Decimal:
    sign = number[0] if number[0] in "+-" else ""
    body = number[len(sign):]
    int_part = body.split(".", 1)[0]
    if "," in int_part and not _GROUPED_RE.fullmatch(int_part):
        raise ValueError(f"“{original}”的千分位分隔不对，无法读成数字")
    return Decimal(sign + body.replace(",", ""))


def parse_decimal(value: object) -> Decimal | None:
    """A number as Decimal (never float). None/'' → None; garbage → ValueError (Chinese)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"“{value}”不是数字")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"“{value}”不是有限的数字")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # openpyxl hands out floats: str() gives the shortest round-tripping text (0.1 → '0.1').
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"“{value}”不是有限的数字")
        return Decimal(str(value))
    s = _number_text(value)
    if not s:
        return None
    if len(s) > MAX_NUMBER_CHARS:
        shown = _cut(str(value).strip())
        raise ValueError(f"“{shown}”数值超出范围" if _NUMBER_RE.fullmatch(s)
                         else f"“{shown}”不是数字")
    if not _NUMBER_RE.fullmatch(s):
        raise ValueError(f"“{str(value).strip()}”不是数字")
    try:
        return _to_decimal(s, str(value).strip())
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise ValueError(f"“{str(value).strip()}”不是数字") from exc


@dataclass(frozen=True)
class ParsedValue:
    """What a 指标值 cell says: a number or a grade, maybe with an inline operator and unit."""

    number: Decimal | None = None
    grade: Grade | None = None
    operator: Operator | None = None
    unit: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _split_operator(s: str) -> tuple[Operator | None, str]:
    for prefix in _OPERATOR_PREFIXES:
        if s.startswith(prefix) and prefix not in ("定性", "定性指标"):
            return _OPERATOR_SPELLINGS[prefix], s[len(prefix):]
    for suffix, op in _OPERATOR_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            return op, s[: -len(suffix)]
    return None, s


def _unit_key(unit: str) -> str:
    return unicodedata.normalize("NFKC", unit).casefold()


def parse_target(text: object, unit: str | None = None) -> ParsedValue:
    """Read a 指标值 cell: '95', '９５％', '≥95%', '1,183.38', '5000人次', '优', '95%以上'.

    `unit` is the row's 度量单位, if known: an inline unit that contradicts it is an error.
    """
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        try:
            return ParsedValue(number=parse_decimal(text))
        except ValueError as exc:
            return ParsedValue(error=f"指标值{exc}")
    raw = "" if text is None else re.sub(r"\s+", " ", str(text)).strip()
    if not raw:
        return ParsedValue(error="指标值为空")
    if len(raw) > MAX_NUMBER_CHARS:  # longer than any number or grade: only echoed, cut short
        reason = ("数值超出范围" if _NUMBER_RE.fullmatch(_number_text(raw))
                  else "不是数字，也不是等级（优/良/中/差）")
        return ParsedValue(error=f"指标值“{_cut(raw)}”{reason}")
    s = _squeeze(raw)
    operator, rest = _split_operator(s)
    grade = normalize_grade(rest)
    if grade is not None:
        return ParsedValue(grade=grade, operator=operator)
    num_text = rest.translate(_NUMBER_PUNCT)
    m = _NUMBER_RE.match(num_text)
    if not m or not rest:
        return ParsedValue(operator=operator,
                           error=f"指标值“{raw}”不是数字，也不是等级（优/良/中/差）")
    inline_unit = clean_unit(rest[m.end():].replace("％", "%"))
    if inline_unit and (inline_unit[0].isdigit() or inline_unit[0] in "+-.,~～—"):
        return ParsedValue(operator=operator, error=f"指标值“{raw}”不是数字")
    try:
        number = _to_decimal(m.group(), raw)
    except (ValueError, InvalidOperation):
        return ParsedValue(operator=operator, error=f"指标值“{raw}”的千分位分隔不对，无法读成数字")
    declared = clean_unit(unit)
    if inline_unit and declared and _unit_key(inline_unit) != _unit_key(declared):
        return ParsedValue(number=number, operator=operator, unit=inline_unit,
                           error=f"指标值“{raw}”中的单位“{inline_unit}”与度量单位“{declared}”不一致")
    return ParsedValue(number=number, operator=operator, unit=inline_unit)
