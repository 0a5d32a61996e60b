"""Companies as clerks write them: the 统一社会信用代码 (USCC, GB 32100-2015) with its check
character, and a comparison key for company names so that the same company written two ways
(full-width/half-width, （）vs (), 有限责任公司 vs 有限公司, spaces) is one company."""
import re
import unicodedata
from functools import lru_cache

# GB 32100-2015: 31 characters, the digits and the capitals without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
# 登记管理部门码 (1 机构编制, 5 民政, 9 工商, Y 其他) and 机构类别码 (1-3, 9 …): the first two are checked
# against the code's own alphabet only, the administrative-division part must be six digits.
_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class UsccError(ValueError):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind  # "malformed" | "checksum"


def uscc_check_char(first17):
    """The check character (18th) of a USCC body of 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(text):
    """A typed USCC → its canonical 18 upper-case characters, or UsccError. Full-width characters,
    lower case and spaces are accepted."""
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", text or "").upper() if not ch.isspace())
    if len(cleaned) != 18 or not _SHAPE.match(cleaned):
        raise UsccError("malformed")
    if uscc_check_char(cleaned[:17]) != cleaned[17]:
        raise UsccError("checksum")
    return cleaned


_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "〔": "(", "〕": ")", "﹙": "(", "﹚": ")"})
# Longest first: 有限责任公司 is the same legal form as 有限公司 (公司法 names both), 股份有限公司 is kept
# apart from them only by the words before it, which the key keeps.
_FORMS = (("有限责任公司", "有限公司"), ("有限公司", "有限公司"))
_DROP = re.compile(r"[\s·・.,，、'\"“”‘’\-—_]+")


@lru_cache(maxsize=65536)  # payees repeat on thousands of rows of a payment list
def company_key(name):
    """The comparison key of a company name: NFKC (full-width → half-width), one kind of bracket
    with the words inside kept, no spaces or punctuation, 有限责任公司 → 有限公司, upper case."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    text = _DROP.sub("", text).upper()
    for long, short in _FORMS:
        if text.endswith(long):
            text = text[: -len(long)] + short
            break
    text = text.replace("(", "").replace(")", "")
    return text[:120] or None
