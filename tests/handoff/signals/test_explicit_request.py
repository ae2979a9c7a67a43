import pytest

from handoff.signals.explicit_request import is_explicit_request, mentions_a_person


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
        "I'd prefer to go over the delivery with one of your colleagues",
        "anybody real there? got a question about my bed frame",
        "is possible that somebody from the service team write me by e-mail?",
        "can you book me a call-back for tomorrow morning?",
        "A real person from Northwind please, I have a question about my wardrobe",
        "someone who works in the shop, not the bot",
        "I'd prefer one of your staff, not a chatbot",
        "Could one of your colleagues give me a ring tomorrow? Order #55120934.",
        "is there an actual human I could message about a gift order?",
        "rather than go back and forth, one of your people could sort it out with me directly",
        "escalate to human",
        "I'd like to be passed on to your customer service staff now",
        "I'd feel better going through it with one of your staff",
        "could a member of your team carry on this chat with me in writing?",
        "call me back please, it is easier by phone",
        "I would like to communicate with a staff member about my order",
        "could I correspond with a real individual rather than an automated system?",
        "I'd appreciate a callback from your team about order #55120934",
        "could somebody at the shop help me directly with my order please",
        # two letters swapped while typing fast
        "cna I get a rela agnet",
        "I want to speka to a huamn pls",
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
        "do you sell individual chairs or only sets?",
        "how do you communicate with the delivery agent?",
        "call me when the driver is ten minutes away",
        "will the chat continue after I close the app?",
        "you can skip the callback stuff, does Google Pay work?",
        "is there a person who will call me before the delivery?",
        "can one of your drivers sort the stairs with me on the day?",
        "is the tracking page run by a real person or not?",
        "I'd hate to bother a real person with this - when does your phone line close?",
        "someone told me it was the courier, not the bot, who cancelled it",
        "does someone ring me before they deliver?",
        "is anyone at your shop able to assemble a wardrobe?",
        "I don't need to speak to anyone, just tell me if you take Google Pay",
        "no need for a human, what are your opening hours?",
        "are you a rela person?",
        "I don't need a human, just the opening hours please",
        "we need to discuss the colour with my husband first",
        "will the driver give me a callback before he arrives?",
        "I do not want to chat with an agent, just the delivery times please",
        "can the driver call me when he is close?",
        "no",
        "",
        None,
    ],
)
def test_similar_words_that_do_not_ask_for_a_person(text):
    assert not is_explicit_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "do real people ever read these chats?",
        "is there anyone at the warehouse who knows about my parcel?",
        "does your staff assemble the wardrobe on delivery?",
        "I'd like your customer service to look at this",
        "has an agent seen my message yet",
        "would a human be able to check the stock in the Leeds store",
        "can anybody there help with a delivery date",
        "is a manager around today?",
    ],
)
def test_a_person_named_without_asking_is_a_mention(text):
    assert mentions_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "how many people fit on the corner sofa",
        "is the dining table for 6 people?",
        "does the 4-person corner sofa ship to the UK?",
        "my colleague ordered the desk for me",
        "do you sell cleaning agents?",
        "my travel agent booked the delivery date",
        "someone hacked my account",
        "are you a real person?",
        "I don't need a person, just the opening hours",
        "where is my order?",
    ],
)
def test_other_people_sizes_products_and_bot_questions_are_not_mentions(text):
    assert not mentions_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ich möchte bitte mit einem Mitarbeiter sprechen",
        "Kann ich mit einem echten Menschen reden?",
        "Verbinden Sie mich bitte mit dem Kundenservice",
        "Können Sie mich an den Kundendienst weiterleiten?",
        "Ich will einen Menschen, keinen Bot",
        "bitte einen Mitarbeiter",
        "Je voudrais parler à un conseiller",
        "Est-ce que je peux parler à une vraie personne ?",
        "Passez-moi un humain s'il vous plaît",
        "Mettez-moi en relation avec le service client",
        "un agent svp",
        "Quiero hablar con una persona",
        "¿Puedo hablar con un agente?",
        "Pásame con un humano, por favor",
        "necesito hablar con alguien de atención al cliente",
        "¿Me puede atender una persona?",
        "un agente por favor",
    ],
)
def test_a_request_in_german_french_or_spanish_is_recognised(text):
    assert is_explicit_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bist du ein Mensch?",
        "Ist das ein Chatbot?",
        "Mein Mann hat mit einem Mitarbeiter gesprochen, der Tisch ist super",
        "Wo ist meine Bestellung?",
        "Personne ne m'a répondu",
        "C'est une vraie personne qui répond ?",
        "la personne au magasin était très gentille",
        "¿Eres una persona real?",
        "¿Cuánto tarda el envío a Madrid?",
    ],
)
def test_german_french_or_spanish_questions_and_stories_about_people_are_not_requests(text):
    assert not is_explicit_request(text)
