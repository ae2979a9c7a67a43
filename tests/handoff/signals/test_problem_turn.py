import pytest
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    UserUttered,
)

from handoff.signals.problem_turn import (
    ProblemReason,
    Said,
    choose_problem_turn,
    is_acknowledgement,
    is_bot_challenge,
    is_greeting,
    request_states_problem,
    said_from_events,
)


def _customer(*texts):
    return [Said(customer=True, text=text) for text in texts]


# (what the customer typed, oldest first; the turn that states their problem; why)
CHOICES = [
    (["hi", "my blender arrived broken", "can I talk to a human"], "my blender arrived broken",
     ProblemReason.TOPIC_START),
    (["I want a human, my blender arrived broken"], "I want a human, my blender arrived broken",
     ProblemReason.STATED_WITH_REQUEST),
    (["where is my parcel?", "ok just put me through to an agent"], "where is my parcel?",
     ProblemReason.TOPIC_START),
    (["do you take PayPal?", "thanks. could someone call me back about my invoice?"],
     "thanks. could someone call me back about my invoice?", ProblemReason.STATED_WITH_REQUEST),
    (["are you a bot?", "then I want to speak to a person"], "then I want to speak to a person",
     ProblemReason.REQUEST_ONLY),
    (["operator"], "operator", ProblemReason.REQUEST_ONLY),
    (["good morning from Oslo", "someone ordered a lamp with my card and it wasn't me"],
     "someone ordered a lamp with my card and it wasn't me", ProblemReason.TOPIC_START),
    (["has order 12345678 shipped?", "it was due on Monday",
      "this is hopeless, nobody tells me anything"], "has order 12345678 shipped?",
     ProblemReason.TOPIC_START),
    (["how long does delivery to Italy take?", "ok but mine has been on its way for 3 weeks"],
     "ok but mine has been on its way for 3 weeks", ProblemReason.TOPIC_START),
    (["how long does delivery to Italy take?", "so why is my sofa still not here"],
     "so why is my sofa still not here", ProblemReason.TOPIC_START),
    (["can I pay by invoice?", "that's not what I asked, can my company pay by invoice?"],
     "can I pay by invoice?", ProblemReason.TOPIC_START),
    (["is the oak desk in stock", "is the oak desk in stock?", "oak desk, in stock or not??"],
     "is the oak desk in stock", ProblemReason.TOPIC_START),
    (["do you ship to Malta?", "great thanks. how do I close my account?"],
     "great thanks. how do I close my account?", ProblemReason.TOPIC_START),
    (["yes", "no"], "no", ProblemReason.LAST_MESSAGE),
]  # fmt: skip


@pytest.mark.parametrize("texts, expected, reason", CHOICES)
def test_the_turn_that_states_the_problem_is_chosen(texts, expected, reason):
    choice = choose_problem_turn(_customer(*texts))

    assert (choice.text, choice.reason) == (expected, reason)


def test_intake_answers_and_buttons_are_never_the_problem():
    said = [
        Said(customer=True, text="I want a refund for the blender"),
        Said(customer=False, text="...", utter_action="utter_offer_handoff"),
        Said(customer=True, text="/human_handoff"),
        Said(customer=False, text="Your order number?", utter_action="utter_ask_order_number"),
        Said(customer=True, text="I don't have one", intake_answer=True),
        Said(customer=False, text="Your e-mail?", utter_action="utter_ask_email"),
        Said(customer=True, text="jane@example.com", intake_answer=True),
    ]

    choice = choose_problem_turn(said)

    assert choice.text == "I want a refund for the blender"
    assert ("I don't have one", "intake_answer") in choice.skipped
    assert ("/human_handoff", "button") in choice.skipped
    assert (choice.answer, choice.unanswered) == (None, True)  # the bot offered a person


def test_a_conversation_of_buttons_only_has_no_problem_turn():
    choice = choose_problem_turn(_customer("/human_handoff"))

    assert (choice.text, choice.reason) == (None, ProblemReason.NOTHING)


def test_the_bots_answer_to_the_problem_comes_with_it():
    said = [
        Said(customer=True, text="can I return a lamp after 40 days?"),
        Said(customer=False, text="You can return anything within 30 days.", utter_action="x"),
        Said(customer=True, text="I'd like to discuss that with a person"),
    ]

    choice = choose_problem_turn(said)

    assert choice.text == "can I return a lamp after 40 days?"
    assert (choice.answer, choice.unanswered) == ("You can return anything within 30 days.", False)


def test_a_request_to_rephrase_is_not_an_answer():
    said = [
        Said(customer=True, text="the thing with the blue handle"),
        Said(customer=False, text="Sorry, I didn't get that.", utter_action="utter_default"),
    ]

    assert choose_problem_turn(said).unanswered is True


def test_the_intake_form_marks_its_answers_in_the_tracker():
    events = [
        e.as_dict()
        for e in [
            UserUttered("old topic from before the handoff"),
            ConversationPaused(),
            ConversationResumed(),
            ActionExecuted("action_listen"),
            UserUttered("I want a refund for the blender", {"name": "refund_request"}),
            ActionExecuted("action_decide_handoff"),
            ActiveLoop("handoff_intake_form"),
            BotUttered("Order number?", metadata={"utter_action": "utter_ask_order_number"}),
            UserUttered("I don't have one", {"name": "deny"}),
            BotUttered("E-mail?", metadata={"utter_action": "utter_ask_email"}),
            UserUttered("EXTERNAL: handback", {"name": "handback"}),
            UserUttered("no thanks", {"name": "deny"}),
            ActiveLoop(None),
        ]
    ]

    said = said_from_events(events)

    assert [(s.customer, s.text, s.intake_answer) for s in said] == [
        (True, "I want a refund for the blender", False),
        (False, "Order number?", False),
        (True, "I don't have one", True),
        (False, "E-mail?", False),
        (True, "no thanks", True),
    ]
    assert said[1].utter_action == "utter_ask_order_number"


def test_a_new_session_starts_a_new_stretch():
    events = [
        e.as_dict() for e in [UserUttered("yesterday's question"), SessionStarted(),
                              UserUttered("today's problem")]
    ]  # fmt: skip

    assert [s.text for s in said_from_events(events)] == ["today's problem"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want a human, my blender arrived broken", True),
        ("could someone call me back about my order?", True),
        ("can I get a live person? it's about order 62018834", True),
        ("I'm abroad and calling is expensive. Can I talk to someone from your team?", True),
        ("please call me, I need to move my delivery slot", True),
        ("get me a person, my email is jo@example.com", True),
        ("can I talk to a real person please", False),
        ("ok thanks. Talk to a person please - I'd like to go through it with them", False),
        ("I don't want a bot, I want a representative", False),
        ("I figured. please hand me over to a human colleague", False),
        ("connect me to someone about it", False),
    ],
)
def test_a_request_for_a_person_may_say_what_it_is_about(text, expected):
    assert request_states_problem(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ok", True), ("Thanks so much!", True), ("no", True), ("yes please", True),
        ("hmm", True), ("ok great, bye", True),
        ("ok but mine is late", False), ("no, the other sofa", False),
        ("thanks, where is it", False),
    ],
)  # fmt: skip
def test_acknowledgements(text, expected):
    assert is_acknowledgement(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello from Lyon!", True), ("hi again", True), ("Good afternoon, Northwind", True),
        ("hey there, hope your week is going well", True),
        ("hi, where is my order?", False), ("hi, my sofa arrived broken", False),
        ("his order is late", False), ("the hinge is broken", False),
    ],
)  # fmt: skip
def test_greetings(text, expected):
    assert is_greeting(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("r u a chatbot?", True), ("hm, am I typing to a program?", True),
        ("wait, is this a robot typing?", True), ("are you a bot or what", True),
        ("is this lamp made by a robot arm", False), ("can I talk to a human", False),
        ("is the sofa real leather?", False),
    ],
)  # fmt: skip
def test_questions_whether_the_bot_is_a_bot(text, expected):
    assert is_bot_challenge(text) is expected
