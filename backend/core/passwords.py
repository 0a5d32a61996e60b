"""What a password must be, and the one-time passwords a reset hands out.

The rule is the same for the API (changing a password, creating an account) and the CLI (the first
administrator): at least 10 characters, not the user name, not a well-known password (the demo's
published one included), and not one character or a keyboard run repeated.
"""
import secrets

MIN_LENGTH = 10
# The demo's published password and the passwords that top every leaked-password list (as typed by
# Chinese users too: 5201314, a1234567…). Compared case-insensitively.
COMMON = {
    "jicai@2026", "jicai2026", "admin@2026", "admin12345", "administrator", "password", "password1",
    "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword1", "1234567890", "12345678910",
    "0123456789", "9876543210", "1111111111", "123456789a", "a123456789", "a1234567890", "qwertyuiop",
    "qwerty1234", "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "1qaz@wsx", "zxcvbnm123", "asdfghjkl",
    "iloveyou", "5201314520", "woaini1314", "abc1234567", "abcd123456", "abcdefghij", "aa123456789",
    "admin123456", "root123456", "changeme", "changeme123", "welcome123", "letmein123",
}
# Letters and digits that cannot be misread on a screen or a note (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def problem(password, username=""):
    """Why ``password`` is too weak, as (code, zh, en), or None when it will do."""
    text = password or ""
    plain = text.lower()
    if len(text) < MIN_LENGTH:
        return ("password_too_short", f"密码至少 {MIN_LENGTH} 个字符",
                f"A password needs at least {MIN_LENGTH} characters")
    if username and username.lower() in plain:
        return ("password_weak", "密码不能包含用户名", "The password must not contain the user name")
    if plain in COMMON or len(set(plain)) < 4:
        return ("password_weak", "密码太常见或太简单，请换一个", "This password is too common or too simple")
    return None


def one_time():
    """A fresh password for a reset: 12 unambiguous characters in groups of four (≈ 69 bits)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(chars[i:i + 4] for i in range(0, 12, 4))
