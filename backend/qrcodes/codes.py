"""The code itself: 65 random bits in Crockford base32 (13 characters) plus one Luhn mod 32 check
character — 14 characters, small enough for a 25 mm plaque symbol, unguessable, and a mistyped
character or a swap of two neighbours is caught before any database lookup."""
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's reading rules: letters people confuse with digits.
_READ_AS = {"O": "0", "I": "1", "L": "1"}
BODY_LENGTH = 13
SEPARATORS = " -_\u3000\t\u2010\u2011\u2012\u2013\u2014\u00b7\u30fb"  # spaces, hyphens, dashes, middle dots
LENGTH = BODY_LENGTH + 1


def _luhn_sum(chars, double_first):
    total, double = 0, double_first
    for ch in reversed(chars):
        value = _INDEX[ch] * (2 if double else 1)
        total += value // 32 + value % 32
        double = not double
    return total


def check_char(body):
    """The Luhn mod 32 check character for ``body``."""
    return ALPHABET[(32 - _luhn_sum(body, True) % 32) % 32]


def new_code():
    """A fresh random code with its check character: 65 bits from one read of the system's random
    source (72 bits drawn, 7 dropped), written as 13 base-32 digits."""
    bits = int.from_bytes(secrets.token_bytes(9), "big") >> 7
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(BODY_LENGTH - 1, -1, -1))
    return body + check_char(body)


class CodeError(ValueError):
    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind  # "malformed" or "checksum"


def normalize(text):
    """Turn what a person typed or a camera read into a canonical code, or raise CodeError.

    Accepts lower case, full-width characters, spaces, hyphens and dashes, a full URL ending in
    /q/<code>, and O/I/L for 0/1."""
    # Full-width letters and digits from a Chinese input method (ＡＢＣ１２３) count as what they are.
    text = unicodedata.normalize("NFKC", text or "").strip()
    if "/q/" in text:
        text = text.rsplit("/q/", 1)[1]
    text = text.split("?", 1)[0].split("#", 1)[0]
    cleaned = "".join(_READ_AS.get(ch, ch) for ch in text.upper() if ch not in SEPARATORS)
    if len(cleaned) != LENGTH or any(ch not in _INDEX for ch in cleaned):
        raise CodeError("malformed")
    if _luhn_sum(cleaned, False) % 32 != 0:
        raise CodeError("checksum")
    return cleaned


def pretty(code):
    """How a code is printed for people: ABCD-EFGH-JKMN-PQ."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
