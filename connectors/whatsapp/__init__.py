"""The WhatsApp channel: ``connectors.whatsapp.WhatsAppInput`` in credentials.yml."""

from connectors.whatsapp.channel import WhatsAppInput, WhatsAppOutput

__all__ = ["WhatsAppInput", "WhatsAppOutput"]
