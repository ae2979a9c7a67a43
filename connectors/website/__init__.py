"""The website chat: Rasa's socket.io channel, bridged to the agent desk (``WebsiteInput``)."""

from connectors.website.channel import WebsiteInput

__all__ = ["WebsiteInput"]
