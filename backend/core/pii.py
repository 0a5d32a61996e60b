"""Personal data: ID numbers, bank cards and phones are encrypted at rest, found through a keyed hash,
and masked wherever they are shown.

* Encryption: AES-256-GCM with a random 96-bit nonce; the field name is the associated data, so a
  card's ciphertext cannot be passed off as an ID number. Stored as ``<key id>:<base64 nonce+ct>``.
  ``PII_KEYS`` lists keys as ``id:base64`` — the first encrypts, all decrypt — so a key is rotated by
  putting a new one first, running ``flask pii-rotate`` and then dropping the old one.
* Lookup: ``blind(value, field)`` is HMAC-SHA256 under ``PII_INDEX_KEY`` over the normalised value;
  equal values give equal hashes (searching, de-duplicating, the 代领 rule) without decrypting.
* Masking: ``mask_id`` 330112********1234, ``mask_card`` 6222********1234, ``mask_phone``
  138****5678, ``mask_name`` 张*明.
"""
import base64
import hashlib
import hmac
import os
import re
import unicodedata

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_KEYRING = "jicai_pii_keyring"


class UnknownKeyError(RuntimeError):
    """A stored value names a key that is not configured."""


def _derive(secret, purpose):
    return hashlib.sha256(f"jicai-pii-{purpose}:{secret}".encode()).digest()


def parse_keys(text):
    """``"k2:base64,k1:base64"`` → [(kid, 32-byte key)], current first."""
    keys = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        kid, _, b64 = part.partition(":")
        raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if not kid or len(raw) != 32 or not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", kid):
            raise ValueError("PII_KEYS entries are id:base64 of 32 bytes")
        keys.append((kid, raw))
    return keys


def new_key_line(kid):
    """A fresh ``id:base64`` entry for PII_KEYS or PII_INDEX_KEY."""
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


class Keyring:
    def __init__(self, keys, index_key):
        self.current_id, current = keys[0]
        self.ciphers = {kid: AESGCM(key) for kid, key in keys}
        self.current = self.ciphers[self.current_id]
        self.index_key = index_key


def keyring(app=None):
    app = app or current_app
    ring = app.extensions.get(_KEYRING)
    if ring is None:
        cfg = app.config
        keys = parse_keys(cfg.get("PII_KEYS")) or [("dev", _derive(cfg["SECRET_KEY"], "enc"))]
        index = parse_keys(cfg.get("PII_INDEX_KEY"))
        ring = app.extensions[_KEYRING] = Keyring(keys, index[0][1] if index else _derive(cfg["SECRET_KEY"], "idx"))
    return ring


def encrypt(value, field):
    if value is None:
        return None
    ring = keyring()
    nonce = os.urandom(12)
    sealed = ring.current.encrypt(nonce, value.encode(), field.encode())
    return f"{ring.current_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token, field):
    return decryptor(field)(token)


def decryptor(field):
    """``decrypt(token, field)`` for many tokens of one field: the keys and the field looked up once
    (a bank file decrypts 200,000 values)."""
    ciphers, context = keyring().ciphers, field.encode()

    def open_(token):
        if token is None:
            return None
        kid, _, b64 = token.partition(":")
        cipher = ciphers.get(kid)
        if cipher is None:
            raise UnknownKeyError(f"PII key {kid!r} is not in PII_KEYS")
        raw = base64.b64decode(b64)
        return cipher.decrypt(raw[:12], raw[12:], context).decode()
    return open_


def key_id(token):
    return token.partition(":")[0] if token else None


def blind(value, field):
    """The keyed lookup hash of a normalised value (hex, 64 chars)."""
    if value is None:
        return None
    return hmac.new(keyring().index_key, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- normalising and checking

def plain(text):
    """Full-width digits and letters to ASCII, spaces and separators removed."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s\-‐‑–—_·.•・﹒‧]", "", text)  # also the middle dot of 阿卜杜·热合曼, however typed


def normalize_id(text):
    """An 18-digit resident ID in its canonical form (upper-case X), or None if malformed. A
    first-generation 15-digit ID (issued 1984–2004, born 19xx) becomes its 18-digit form."""
    value = plain(text).upper()
    if re.fullmatch(r"\d{15}", value):
        first17 = value[:6] + "19" + value[6:]
        value = first17 + id_check_char(first17)
    return value if _ID_RE.match(value) else None


def id_checksum_ok(value):
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == value[17]


def id_check_char(first17):
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def normalize_card(text):
    value = plain(text)
    return value if re.fullmatch(r"\d{12,19}", value) else None


def normalize_phone(text):
    value = plain(text)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value if re.fullmatch(r"1\d{10}|0\d{9,11}", value) else None


# ---------------------------------------------------------------- masking

def mask_id(value):
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}" if value and len(value) > 10 else "*" * len(value or "")


def mask_card(value):
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}" if value and len(value) > 8 else "*" * len(value or "")


def mask_phone(value):
    if not value:
        return value
    return f"{value[:3]}****{value[-4:]}" if len(value) >= 11 else f"{value[:2]}****{value[-2:]}"


def mask_name(name):
    """张*明, 李*, 欧阳**: the first and (from three characters) the last stay."""
    if not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


MASKS = {"id_number": mask_id, "bank_card": mask_card, "phone": mask_phone}
NORMALIZERS = {"id_number": normalize_id, "bank_card": normalize_card, "phone": normalize_phone}


def seal(value, field):
    """(ciphertext, lookup hash, masked form) of an already-normalised value."""
    if value is None:
        return None, None, None
    return encrypt(value, field), blind(value, field), MASKS[field](value)
