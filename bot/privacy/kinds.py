"""What redaction can find, and the placeholder that replaces each kind.

Kept apart from the finders so that each of them can name its kind without importing
the others; the order of :data:`PLACEHOLDERS` is the order of ``Redaction.kinds``.
"""

from __future__ import annotations

CCCD = "cccd"
CMND = "cmnd"
PHONE = "phone"
EMAIL = "email"
OTP = "otp"
PASSWORD = "password"  # noqa: S105 - a kind label, not a secret
CARD = "card"
ACCOUNT = "account"

PLACEHOLDERS: dict[str, str] = {
    CCCD: "[số căn cước]",
    CMND: "[số CMND]",
    PHONE: "[số điện thoại]",
    EMAIL: "[email]",
    OTP: "[mã OTP]",
    PASSWORD: "[mật khẩu]",
    CARD: "[số thẻ]",
    ACCOUNT: "[số tài khoản]",
}
