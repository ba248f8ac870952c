"""The official list of provinces and communes after the 2025 reorganisation.

From the ``vietnamadminunits`` package (MIT): 34 provinces and 3,321 commune-level
units after the merger of 01/7/2025, with the official codes of the national list
(checked code by code against the statistics office's export). Staff pick their
commune from it instead of typing names, so the names in answers are the official
ones and another commune can adopt the bot by choosing itself from a list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Tỉnh Thái Nguyên", "Thành phố Hà Nội"
    short: str  # "Thái Nguyên"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Xã Phủ Thông", "Phường Ba Đình", "Đặc khu Côn Đảo"
    short: str  # "Phủ Thông"
    kind: str  # "Xã", "Phường", "Đặc khu"
    province_code: str

    @property
    def kind_lower(self) -> str:
        return self.kind.lower()


@cache
def _rows() -> tuple[dict[str, str], ...]:
    # Imported on first use: the package loads its parser (shapely) on import.
    from vietnamadminunits.database import get_data

    fields = ["province", "provinceShort", "provinceCode", "ward", "wardShort", "wardType",
              "wardCode"]
    return tuple(get_data(fields))


@cache
def provinces() -> tuple[Province, ...]:
    seen: dict[str, Province] = {}
    for row in _rows():
        seen.setdefault(row["provinceCode"], Province(row["provinceCode"], row["province"],
                                                      row["provinceShort"]))
    return tuple(sorted(seen.values(), key=lambda p: p.code))


@cache
def communes(province_code: str) -> tuple[Commune, ...]:
    out = [Commune(r["wardCode"], r["ward"], r["wardShort"], r["wardType"], r["provinceCode"])
           for r in _rows() if r["provinceCode"] == province_code]
    return tuple(sorted(out, key=lambda c: c.name))


def province(code: str) -> Province | None:
    return next((p for p in provinces() if p.code == code), None)


def commune(code: str) -> Commune | None:
    for row in _rows():
        if row["wardCode"] == code:
            return Commune(row["wardCode"], row["ward"], row["wardShort"], row["wardType"],
                           row["provinceCode"])
    return None


def find(name: str, province_name: str = "") -> Commune | None:
    """The commune a profile names ("Phủ Thông", optionally with its province)."""
    wanted = name.strip().lower()
    for row in _rows():
        if row["wardShort"].lower() == wanted or row["ward"].lower() == wanted:
            if province_name and province_name.strip().lower() not in (
                    row["provinceShort"].lower(), row["province"].lower()):
                continue
            return Commune(row["wardCode"], row["ward"], row["wardShort"], row["wardType"],
                           row["provinceCode"])
    return None


def profile_names(chosen: Commune) -> dict[str, str]:
    """Profile fields that follow from the chosen commune.

    The province name is the short one ("Thái Nguyên"): answers say "tỉnh Thái
    Nguyên" / "Cổng dịch vụ công tỉnh …" around it. The centre and the police post
    are named as the 2025 reorganisation names them at commune level.
    """
    place = province(chosen.province_code)
    kind = chosen.kind_lower
    return {
        "name": chosen.short,
        "province": place.short if place else "",
        "centre_name": f"Trung tâm Phục vụ hành chính công {kind} {chosen.short}",
        "police_post": f"Công an {kind} {chosen.short}",
    }
