"""The official list of units after 01/7/2025, as the commune picker uses it."""

from __future__ import annotations

from bot.editing import admin_units


def test_34_provinces_and_3321_communes_after_the_merger() -> None:
    provinces = admin_units.provinces()
    assert len(provinces) == 34
    assert sum(len(admin_units.communes(p.code)) for p in provinces) == 3321
    names = {p.short for p in provinces}
    assert "Bắc Kạn" not in names and {"Thái Nguyên", "Hà Nội", "Cà Mau"} <= names
    kinds = {c.kind for p in provinces for c in admin_units.communes(p.code)}
    assert kinds == {"Xã", "Phường", "Đặc khu"}


def test_phu_thong_is_in_thai_nguyen_with_its_official_code() -> None:
    found = admin_units.find("Phủ Thông")
    assert found is not None and found.code == "01969" and found.province_code == "19"
    assert admin_units.commune("01969") == found
    assert admin_units.find("Phủ Thông", "Hà Nội") is None


def test_profile_names_follow_the_kind_of_unit() -> None:
    ward = admin_units.commune("00004")
    assert ward is not None
    assert admin_units.profile_names(ward) == {
        "name": "Ba Đình", "province": "Hà Nội",
        "centre_name": "Trung tâm Phục vụ hành chính công phường Ba Đình",
        "police_post": "Công an phường Ba Đình"}
