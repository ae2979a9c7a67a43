"""A sender chosen by a REST caller does not divert agents' replies (issue 17, hole 1).

The trial configuration (``credentials.yml``, the e2e rig) keeps Rasa's REST channel, where
the caller picks ``sender``. The production configuration has no such channel
(``tests/replicas/test_production_config.py``); here the second line of defence: a person's
replies follow the conversation's own channel, not the channel that wrote last.
"""

import pytest

from tests.fakes.channels import ChannelsAssistant, shared_channels_assistant, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def channels(trained_model, tmp_path_factory, request) -> ChannelsAssistant:
    return shared_channels_assistant(trained_model, tmp_path_factory, request)


def test_an_agents_reply_reaches_the_telegram_customer_after_a_rest_message_as_them(channels):
    chat = channels.new_chat_id()
    conversation = f"telegram:{chat}"
    channels.telegram_say(chat, "I want to talk to a person", expect="order number")
    channels.telegram_say(chat, "I don't have one", expect="e-mail")
    channels.telegram_say(chat, "skip", expect="passed our conversation")
    queue = channels.assistant.desk("GET", "/api/handoffs").json()["handoffs"]
    (handoff,) = (h for h in queue if h["conversation_id"] == conversation)
    channels.assistant.say(conversation, "is anyone there?")  # REST, as the customer's id

    reply = channels.assistant.desk(
        "POST", f"/api/handoffs/{handoff['id']}/messages", json={"text": "Anna here, hello!"}
    )
    assert reply.status_code == 201, reply.text
    wait_until(lambda: "Anna here, hello!" in channels.telegram.texts_to(chat))
