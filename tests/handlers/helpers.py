"""Checks shared by the conversation tests."""

from __future__ import annotations

from handlers.brief import leads_with as led_with

__all__ = ["led_with"]
