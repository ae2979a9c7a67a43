"""Check the WhatsApp Cloud API settings and say what to enter in Meta's App Dashboard.

``GET /<phone number id>`` through the channel's own client
(:class:`connectors.whatsapp.api.GraphApi`) answers only when the access token may use that
phone number, so one call verifies both. The webhook itself is registered in the dashboard
(there is no API call for an app's callback URL), so the command prints the callback URL and
the verify token the channel's verification handshake expects.
"""

from __future__ import annotations

from typing import Any, Dict, List

from connectors.whatsapp.api import GraphApi, GraphApiError


async def check(api: GraphApi, phone_number_id: str) -> Dict[str, Any]:
    """Return the phone number's profile; raise if the token cannot use this number.

    Raises:
        GraphApiError: the Graph API refused the token or the id, could not be reached, or
            answered for another number.
    """
    profile = await api.phone_number()
    if str(profile.get("id")) != phone_number_id:
        raise GraphApiError(200, None, "the Graph API answered for another phone number id")
    return profile


def describe(profile: Dict[str, Any], callback_url: str, verify_token: str) -> List[str]:
    """Return the check's result and the dashboard's webhook steps as lines for an operator."""
    number = profile.get("display_phone_number") or "?"
    name = profile.get("verified_name") or "?"
    quality = profile.get("quality_rating") or "?"
    return [
        f"whatsapp: the access token can use phone number id {profile.get('id')}",
        f"  number           {number} ({name}), quality rating {quality}",
        "In Meta's App Dashboard: WhatsApp > Configuration > Webhook > Edit, enter",
        f"  Callback URL     {callback_url}",
        f"  Verify token     {verify_token}",
        'then "Verify and save", and under "Webhook fields" subscribe to "messages".',
    ]
