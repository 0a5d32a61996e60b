r"""What the system takes as text, and as a number written as text: one rule for the API's fields
(``core.fields``) and for the cells of imported files (``imports``).

Text that shows other than it is stored is refused, never quietly changed: the control characters
(C0 — a multi-line field keeps tab, line feed and carriage return —, DEL, C1, NUL among them) and the
bidirectional controls, with which a name stored as "张三\u202e..." reads reversed in every list,
report and exported file. A number is written plainly (1234.50, full-width digits too): 1e5 is not
100000 yuan, nor are NaN, Infinity, 0x10 or 1_000 numbers.
"""
import re
from decimal import Decimal

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")
_MULTI_LINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


class Refused(ValueError):
    """``text`` breaks the rule: a stable ``code`` and the problem in Chinese and English."""

    def __init__(self, code, zh, en):
        super().__init__(en)
        self.code, self.zh, self.en = code, zh, en


def refused_in(text, multiline=False):
    """Whether ``text`` holds a character no text keeps (one regex search: cheap on a whole row)."""
    return (_MULTI_LINE if multiline else _ONE_LINE).search(text) is not None


def check_characters(text, multiline=False):
    """``text`` unchanged, or ``Refused`` (``control_character``) naming its first character that
    no text keeps, by code point and position (the character itself cannot be seen)."""
    found = (_MULTI_LINE if multiline else _ONE_LINE).search(text)
    if found is None:
        return text
    at, code = found.start() + 1, f"U+{ord(found.group()):04X}"
    what_zh, what_en = ("文字方向控制符", "a text-direction control") if re.match(f"[{BIDI_CONTROLS}]", found.group()) \
        else ("换行符", "a line break") if found.group() in "\n\r\u2028\u2029" \
        else ("控制字符", "a control character")
    raise Refused("control_character",
                  f"不能包含看不见的控制字符或文字方向控制符：第 {at} 个字符是{what_zh}（{code}），请删除后重新输入",
                  f"must not contain invisible control or text-direction characters: character {at} is "
                  f"{what_en} ({code}); delete it and type the text again")


def without_refused(text, multiline=False):
    """``text`` without the characters the rule refuses: for what nobody typed into the app and cannot
    retype there, an uploaded file's name."""
    return (_MULTI_LINE if multiline else _ONE_LINE).sub("", text)


def visible(text, multiline=True):
    """``text`` with each character the rule refuses written as its code point (⟦U+202E⟧), for showing
    what was refused without letting it act (an import's report quotes the cell)."""
    return (_MULTI_LINE if multiline else _ONE_LINE).sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", text)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SCIENTIFIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")


def plain_decimal(text):
    """The Decimal that ``text`` writes in plain decimal notation — digits (full-width too), a point,
    a sign before —, surrounding spaces aside; else ``Refused``: ``scientific_notation`` (1e5, 1E5,
    1e-2) or ``not_a_number`` (NaN, Infinity, 0x10, 1_000, other scripts' digits)."""
    bare = str(text).strip().translate(_FULL_WIDTH)
    shown = visible(bare[:40], multiline=False)
    if _PLAIN.fullmatch(bare):
        return Decimal(bare)
    if _SCIENTIFIC.fullmatch(bare):
        raise Refused("scientific_notation",
                      f"“{shown}”是科学计数法：请写成普通数字（如 100000.00），不要写成 1e5 或 1E+5",
                      f"'{shown}' is in scientific notation: write the number in plain digits (e.g. 100000.00), not 1e5 or 1E+5")
    raise Refused("not_a_number", f"“{shown}”不是数字：请只写数字和小数点（如 1234.50）",
                  f"'{shown}' is not a number: write digits and a decimal point only (e.g. 1234.50)")
