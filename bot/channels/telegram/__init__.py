"""Telegram channel (python-telegram-bot 22): citizens, staff, polling or webhook."""

from bot.channels.telegram.bot import TelegramChannel

__all__ = ["TelegramChannel"]
