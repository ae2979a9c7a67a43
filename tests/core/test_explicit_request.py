import pytest

from handoff.explicit_request import is_explicit_request


@pytest.mark.parametrize(
    "text",
    [
        "can i talk to a human",
        "get me a real person",
        "agent pls",
        "connect me to someone from support",
        "I want to speak to a manager",
        "human please",
        "HUMAN!!",
        "operator",
        "representative",
        "real person now",
        "talk to human",
        "i wanna talk to a person",
        "can u connect me with an agent",
        "I need a human",
        "give me an agent",
        "let me speak to your supervisor",
        "put me through to someone who can actually help",
        "transfer me to a representative",
        "Can I chat with a live agent?",
        "i dont want a bot, i want a person",
        "i want to talk to a human not a bot",
        "stop. just get me a human",
        "this is useless, just connect me",
        "I would like to speak to a human being please",
        "is there a person I can talk to?",
        "I need to talk to customer service",
        "i'd like to speak with customer service",
        "customer service rep",
        "can you pass me to a colleague",
        "hand me over to a human agent",
        "no. agent pls",
        "nah, real person please",
        "I need help from an actual employee, not an automated thing",
        "could someone from your support team get in touch with me?",
        "can a member of staff email me about order 55120934",
        "please have someone call me back",
        "Is anybody from the customer service team around?",
        "is anyone available to help me?",
        "Could somebody from Northwind give me a ring this afternoon?",
    ],
)
def test_a_request_for_a_person_is_recognised(text):
    assert is_explicit_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "do you sell cleaning agents?",
        "how many people fit on the sofa",
        "are you a real person?",
        "am I talking to a bot?",
        "is this a human or a robot?",
        "are you real?",
        "my order is for 4 people",
        "the delivery agent left the parcel outside",
        "what are your customer service hours?",
        "is there someone who can deliver on saturday?",
        "my manager ordered the desks",
        "can you talk me through the return policy",
        "I need a new chair",
        "give me the tracking number",
        "no agent ever called me back about the sofa",
        "can someone tell me how long delivery takes?",
        "will the courier call me before the delivery?",
        "does someone ring me before they deliver?",
        "is anyone at your shop able to assemble a wardrobe?",
        "I don't need to speak to anyone, just tell me if you take Google Pay",
        "no need for a human, what are your opening hours?",
        "I do not want to chat with an agent, just the delivery times please",
        "can the driver call me when he is close?",
        "no",
        "",
        None,
    ],
)
def test_similar_words_that_do_not_ask_for_a_person(text):
    assert not is_explicit_request(text)
