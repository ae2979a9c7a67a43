"""The Telegram channel: ``connectors.telegram.TelegramInput`` in credentials.yml."""

from connectors.telegram.channel import TelegramInput, TelegramOutput

__all__ = ["TelegramInput", "TelegramOutput"]
