"""Redaction of personal data inside Vietnamese free text, and keyed pseudonyms."""

from __future__ import annotations

import pytest

from bot.privacy import (
    PLACEHOLDERS,
    SENSITIVE_WARNING,
    contains_sensitive,
    pseudonymise,
    redact,
)

CCCD, CMND, PHONE = "[số căn cước]", "[số CMND]", "[số điện thoại]"
EMAIL, OTP, PASSWORD, CARD = "[email]", "[mã OTP]", "[mật khẩu]", "[số thẻ]"


@pytest.mark.parametrize(("text", "expected", "kinds"), [
    # căn cước / CCCD: 12 digits, however grouped
    ("số cccd của tôi là 001203012345 ạ", f"số cccd của tôi là {CCCD} ạ", ("cccd",)),
    ("CCCD: 001 203 012 345, cấp lại được không", f"CCCD: {CCCD}, cấp lại được không",
     ("cccd",)),
    ("căn cước 001.203.012.345", f"căn cước {CCCD}", ("cccd",)),
    ("mã định danh 0012-0301-2345 của con", f"mã định danh {CCCD} của con", ("cccd",)),
    ("079203012345", CCCD, ("cccd",)),
    ("số định danh của cháu là 123 456 789 012", f"số định danh của cháu là {CCCD}",
     ("cccd",)),
    # CMND: 9 digits
    ("CMND cũ 272345678 còn dùng được không", f"CMND cũ {CMND} còn dùng được không",
     ("cmnd",)),
    ("chứng minh nhân dân số 272 345 678", f"chứng minh nhân dân số {CMND}", ("cmnd",)),
    # mobile and landline phones
    ("sđt em 0912345678 nhé", f"sđt em {PHONE} nhé", ("phone",)),
    ("gọi 0912 345 678 giúp", f"gọi {PHONE} giúp", ("phone",)),
    ("gọi 0912.345.678.", f"gọi {PHONE}.", ("phone",)),
    ("số 091-234-5678", f"số {PHONE}", ("phone",)),
    ("zalo +84912345678", f"zalo {PHONE}", ("phone",)),
    ("zalo +84 912 345 678", f"zalo {PHONE}", ("phone",)),
    ("(+84) 38 765 4321 là số mẹ", f"{PHONE} là số mẹ", ("phone",)),
    ("84987654321 của bố", f"{PHONE} của bố", ("phone",)),
    ("+84 (0) 912345678", f"{PHONE}", ("phone",)),
    ("máy bàn 024 3825 1234", f"máy bàn {PHONE}", ("phone",)),
    ("máy bàn (0236) 3822 123", f"máy bàn {PHONE}", ("phone",)),
    ("liên hệ sđt:0356789012,cảm ơn", f"liên hệ sđt:{PHONE},cảm ơn", ("phone",)),
    ("ĐT: 0912345678/0987654321", f"ĐT: {PHONE}/{PHONE}", ("phone",)),
    ("gọi 09 1234 5678", f"gọi {PHONE}", ("phone",)),
    # e-mail
    ("mail nguyen.van.a+dvc@gmail.com nhé", f"mail {EMAIL} nhé", ("email",)),
    ("gửi về a_b@ubnd.hanoi.gov.vn", f"gửi về {EMAIL}", ("email",)),
    # one-time codes
    ("mã OTP 123456 là gì", f"mã OTP {OTP} là gì", ("otp",)),
    ("otp: 1234", f"otp: {OTP}", ("otp",)),
    ("OTP là 482913 em nhập mãi không được", f"OTP là {OTP} em nhập mãi không được",
     ("otp",)),
    ("mã xác thực 48 29 13", f"mã xác thực {OTP}", ("otp",)),
    # passwords
    ("mật khẩu là abc123", f"mật khẩu là {PASSWORD}", ("password",)),
    ("mật khẩu của em là Hoa@1990 sao không vào được",
     f"mật khẩu của em là {PASSWORD} sao không vào được", ("password",)),
    ("mk: Abc@123", f"mk: {PASSWORD}", ("password",)),
    ("pass 12345678", f"pass {PASSWORD}", ("password",)),
    ("Mat khau: matkhau", f"Mat khau: {PASSWORD}", ("password",)),
    # bank cards
    ("thẻ 4111 1111 1111 1111 bị trừ tiền", f"thẻ {CARD} bị trừ tiền", ("card",)),
    ("số thẻ 9704123456789012", f"số thẻ {CARD}", ("card",)),
    # several at once, glued together
    ("0912345678 001203012345", f"{PHONE} {CCCD}", ("cccd", "phone")),
    ("0912345678 (024) 3825 1234", f"{PHONE} {PHONE}", ("phone",)),
    ("SĐT 0912-345-678, CCCD 001203012345, email x@y.vn",
     f"SĐT {PHONE}, CCCD {CCCD}, email {EMAIL}", ("cccd", "phone", "email")),
])
def test_sensitive_data_is_replaced(text: str, expected: str, kinds: tuple[str, ...]) -> None:
    result = redact(text)
    assert result.text == expected
    assert result.kinds == kinds
    assert result.found and contains_sensitive(text)


@pytest.mark.parametrize("text", [
    "năm 2024 con tôi 14 tuổi làm căn cước được không",
    "lệ phí 500.000 đồng, phạt 150.000.000 đồng hay 1.500.000.000 đồng",
    "1.500.000.000.000 đồng",
    "mất bao lâu, 7 ngày hay 15 ngày làm việc",
    "từ 01/7/2025 theo Nghị định 118/2025/NĐ-CP và Thông tư 17/2024/TT-BCA",
    "Luật Cư trú 68/2020/QH14, điều 20 khoản 3",
    "ngày 01.07.2025 hoặc 01-07-2025, hẹn 05 07 2025 11 giờ",
    "Quyết định 123456789/QĐ-UBND và công văn số 0123/UBND-VP",
    "mã hồ sơ H12.34-250101-0001",
    "quên mật khẩu thì làm sao",
    "mật khẩu là gì",
    "mật khẩu VNeID bị khóa",
    "mk muốn hỏi làm căn cước cho con",
    "không nhận được mã OTP",
    "tôi có 2 con, 3 người trong hộ, 100 m2",
    "giờ làm việc 7:30 - 17:00, thứ 2 đến thứ 6",
    "",
])
def test_ordinary_numbers_and_questions_are_kept(text: str) -> None:
    result = redact(text)
    assert result.text == text
    assert result.kinds == () and not result.found
    assert not contains_sensitive(text)


def test_every_placeholder_is_vietnamese_and_bracketed() -> None:
    assert all(p.startswith("[") and p.endswith("]") for p in PLACEHOLDERS.values())
    assert set(PLACEHOLDERS) == {"cccd", "cmnd", "phone", "email", "otp", "password", "card",
                                 "account"}


def test_warning_names_what_not_to_send() -> None:
    for word in ("căn cước", "số điện thoại", "mật khẩu", "OTP", "lừa đảo"):
        assert word in SENSITIVE_WARNING


def test_pseudonyms_are_stable_keyed_and_per_channel() -> None:
    salt = b"s" * 32
    key = pseudonymise("telegram", "123456789", salt)
    assert key == pseudonymise("telegram", "123456789", salt)
    assert len(key) == 20 and int(key, 16) >= 0
    assert "123456789" not in key
    assert key != pseudonymise("zalo", "123456789", salt)
    assert key != pseudonymise("telegram", "123456789", b"t" * 32)
    assert key != pseudonymise("telegram", "123456780", salt)
    with pytest.raises(ValueError, match="salt"):
        pseudonymise("telegram", "1", b"")
