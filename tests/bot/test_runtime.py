"""The runtime wires the core from the settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.runtime import Runtime


def test_dated_facts_follow_the_configured_time_zone(tmp_path: Path) -> None:
    """A fee that ends on 31/12 ends at the commune's midnight, not the server's."""
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
        runtime = Runtime.build(Settings(data_dir=tmp_path, timezone=zone))
        today = runtime.assistant.conversation.today()
        assert today in {dt.datetime.now(ZoneInfo(zone)).date(),
                         (dt.datetime.now(ZoneInfo(zone)) - dt.timedelta(seconds=5)).date()}
    far_apart = {Runtime.build(Settings(data_dir=tmp_path, timezone=z)).assistant
                 .conversation.today() for z in ("Pacific/Kiritimati", "Pacific/Pago_Pago")}
    assert len(far_apart) == 2  # 25 hours apart: never the same date
