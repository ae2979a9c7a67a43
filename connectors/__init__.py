"""Input channels: the customer apps (Telegram, WhatsApp) and the live-agent desk."""
