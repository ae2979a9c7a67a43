"""Recognising an explicit request for a person in the customer's own words.

The NLU model's ``human_handoff`` intent is the main signal; these phrases are the safety net
for the moments it must never miss — above all a customer who *insists* while the bot is
asking an intake question. The patterns are deliberately narrow: "cleaning agents" or
"are you a real person?" are not requests.
"""

from __future__ import annotations

import re
from typing import List, Optional

_PERSON = (
    r"(?:human|person|people|agent|someone|somebody|representative|rep|operator|staff|"
    r"manager|supervisor|colleague|real one|employee|individual|team member|"
    r"member of (?:your |the )?"
    r"(?:staff|team)|"
    r"customer (?:service|support|care)(?:\s+(?:rep|representative|agent|team))?)"
)
_ANYONE = r"(?:anybody|anyone|somebody|someone|a person|a human)"
_CONTACT_ME = (
    r"(?:get in touch with me|contact me|call me|ring me|phone me|e-?mail me|message me|"
    r"write (?:to )?me|"
    r"reach out to me|get back to me|give me a (?:ring|call|bell))"
)
_REQUESTS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"\b(?:talk|speak|chat|connect|transfer|put me through|pass me|passed on|"
        rf"hand me over|escalate|correspond)\b[^.?!]{{0,30}}?\b{_PERSON}\b",
        # "I wish to communicate with an employee" (not "how do you communicate with ...")
        rf"\b(?:wish|want|like|need|prefer)\s+to\s+communicate\s+with\b[^.?!]{{0,20}}?"
        rf"\b{_PERSON}\b",
        # "I'd rather discuss that with someone from your delivery team"
        rf"\b(?:discuss|discussing|go over|go through|going over|going through|sort|deal with)"
        rf"\b[^.?!]{{0,30}}?\bwith\s+"
        rf"(?:a|an|the|some|one of)?\s*(?:your\s+)?(?:real|live|actual)?\s*{_PERSON}s?\b",
        # "could you arrange a callback for me this afternoon?"
        r"\b(?:arrange|book|schedule|request|want|need|i'?d like|appreciate)\b[^.?!]{0,20}?"
        r"\bcall[- ]?back\b",
        # "a real person from Northwind please"
        rf"\b(?:real|live|actual)\s+{_PERSON}\b[^.?!]{{0,30}}?\b(?:please|pls|plz)\b",
        # "someone who works in the shop, not the bot"
        rf"\b(?:{_ANYONE}|one of your {_PERSON}s?)\b"
        r"(?:\s+(?:who|that|from|at|in|of)\b[^.?!,]{0,40}?)?,?\s*(?:and\s+)?not\s+"
        r"(?:a|an|the|this|your|some)?\s*(?:chat\s*)?(?:bot|robot|machine|computer)\b",
        # "could a member of your team carry on this chat with me?"
        rf"\b{_PERSON}s?\b[^.?!]{{0,20}}?\b(?:carry on|continue|take over)\s+(?:this|the|our)\s+"
        r"(?:chat|conversation)\b",
        # the whole request is a call: "ring me pls??"
        r"^\W*(?:please\s+|pls\s+)?(?:call|ring|phone)\s+me(?:\s+back)?\s*"
        r"(?:pls|please|plz|asap)\b",
        # "anyone human around?"
        r"\b(?:any|some)(?:one|body)\s+(?:human|real|alive)\b",
        rf"\b(?:want|need|get|give)\s+(?:me\s+)?(?:a|an|the|some)?\s*(?:real|live|actual)?\s*"
        rf"{_PERSON}\b",
        # the whole message is the request, maybe after refusing a question: "no, agent pls"
        rf"^\W*(?:(?:no+|nope|nah)\W+)?(?:a\s+)?(?:real\s+|live\s+)?{_PERSON}\W*"
        r"(?:please|pls|plz|now)?\W*$",
        r"\bjust\s+(?:connect|transfer|get)\s+me\b",
        rf"\bis\s+there\s+(?:a|an|any|some)?\s*(?:real|live|actual)?\s*{_PERSON}\b"
        r"[^.?!]{0,20}\b(?:talk|speak|chat)\b",
        # "is there an actual human I could message?" (not "... who will call me?")
        rf"\bis\s+there\s+(?:a|an|any|some)?\s*(?:real|live|actual)?\s*{_PERSON}\s+"
        r"(?:that\s+|whom?\s+)?i\s+(?:can|could|may|might)\s+"
        r"(?:message|write to|contact|call|ring|phone|e-?mail|reach)\b",
        # help from a person: "I need help from an actual employee"
        rf"\b(?:help|answer|reply|support)\s+from\s+(?:a|an|the|some|one of)?\s*"
        rf"(?:your\s+)?(?:real|live|actual)?\s*{_PERSON}\b",
        # a request that a person contact the customer: "could someone from your team call
        # me back?" (not "will someone call me before the delivery?")
        rf"\b(?:can|could|would|please|i need|i want|i'?d like|(?:is it |is )?possible)\b"
        rf"[^.?!]{{0,20}}?"
        rf"\b(?:{_PERSON}s?|{_ANYONE})\b[^.?!]{{0,40}}?\b{_CONTACT_ME}",
        # "I'd prefer it if one of your people could sort it out with me directly"
        rf"\b(?:{_ANYONE}|one of (?:your|the) {_PERSON}s?)\b[^.?!]{{0,30}}?"
        r"\b(?:sort|deal with|handle|discuss|go over|go through)\b[^.?!]{0,30}?\bwith me\b",
        # "could somebody at the shop help me directly with my order"
        rf"\b{_ANYONE}\s+(?:at|from|in)\s+(?:the|your)\s+(?:shop|store|company|team|office)\b"
        r"[^.?!]{0,20}?\bhelp\b",
        # someone of the shop's team, around: "is anybody from the team around to help?"
        rf"\b(?:is|are)\s+(?:there\s+)?{_ANYONE}\s+from\s+[^.?!]{{0,30}}?"
        r"\b(?:team|staff|support|customer service)\b[^.?!]{0,20}?"
        r"\b(?:around|available|online|there|to help)\b",
        rf"\b(?:is|are)\s+(?:there\s+)?{_ANYONE}\b[^.?!]{{0,30}}?"
        r"\b(?:around|available|online)\b[^.?!]{0,20}\bhelp\b",
    )
]
# German, French and Spanish requests (the handoff messages are in those languages too, see
# handoff.language). The NLU is trained on English only: examples in other languages pulled
# English questions about people towards ``human_handoff`` (issue #18, docs/benchmarks.md), so
# a request in those languages is recognised here, by its verb and its person, as narrowly as
# the English patterns.
_PERSON_DE = (
    r"(?:menschen?|mitarbeiter(?:in|innen|n)?|person|berater(?:in)?|kundenberater(?:in)?|"
    r"kundenservice|kundendienst|support|agenten?|jemand(?:em|en)?(?:\s+(?:aus|von)\s+"
    r"(?:ihrem|eurem|dem)\s+team)?)"
)
_PERSON_FR = (
    r"(?:(?:un|une)\s+(?:vrai\s+|vraie\s+)?(?:humain|personne|conseill(?:er|ère)|agent|"
    r"opérat(?:eur|rice)|membre\s+de\s+(?:votre|l')\s*équipe)|quelqu'un|le\s+service\s+client)"
)
_PERSON_ES = (
    r"(?:(?:un|una)\s+(?:persona|humano|agente|asesor(?:a)?|operador(?:a)?)|alguien|"
    r"atención\s+al\s+cliente)"
)
_REQUESTS_DE_FR_ES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # "Ich möchte mit einem Mitarbeiter sprechen", "Verbinden Sie mich mit einem Menschen"
        rf"\b(?:mit|an)\s+(?:einem|einer|einen|dem|den|der)?\s*(?:echten\s+|richtigen\s+)?"
        rf"{_PERSON_DE}\b[^.?!]{{0,30}}?\b(?:sprechen|reden|verbinden|chatten|weiterleiten)\b",
        r"\b(?:verbinden|verbindest|leiten)\s+(?:sie|du)?\s*mich\b[^.?!]{0,40}?\b(?:mit|an|weiter)\b",
        rf"\b(?:möchte|will|brauche|hätte\s+gern(?:e)?)\s+(?:bitte\s+)?(?:einen?|eine)\s+"
        rf"(?:echten\s+|richtigen\s+)?{_PERSON_DE}\b",
        # the whole message is the request: "bitte einen Mitarbeiter", "un agent svp"
        rf"^\W*(?:bitte\s+)?(?:einen?|eine)\s+(?:echten\s+)?{_PERSON_DE}\W*(?:bitte)?\W*$",
        rf"^\W*{_PERSON_FR}\W*(?:s'il\s+vous\s+pla[iî]t|svp|stp|merci)?\W*$",
        rf"^\W*{_PERSON_ES}\W*(?:por\s+favor)?\W*$",
        # "Je voudrais parler à un conseiller", "Passez-moi un humain"
        rf"\b(?:parler|discuter|échanger)\s+(?:à|avec)\s+{_PERSON_FR}",
        rf"\b(?:passez|passe)[- ]moi\s+{_PERSON_FR}",
        r"\b(?:mettez|mets)[- ]moi\s+en\s+relation\s+avec\b",
        # "Quiero hablar con una persona", "Pásame con un humano"
        rf"\b(?:hablar|comunicarme|chatear)\s+con\s+{_PERSON_ES}",
        rf"\b(?:pásame|páseme|póngame|ponme|comuníqueme)\s+con\s+{_PERSON_ES}",
        rf"\b(?:me\s+puede|me\s+podría|puede)\s+atender\s+{_PERSON_ES}",
    )
]


_ASKING_WHETHER_BOT = re.compile(
    r"\b(?:are|am|is)\s+(?:you|i|this|that|it)\b[^.?!]{0,30}\b(?:human|person|bot|robot|real)\b",
    re.IGNORECASE,
)


_NO_PERSON_NEEDED = re.compile(
    r"\b(?:no need|(?:i\s+)?(?:don'?t|do not|won'?t)\s+(?:need|want|have))\b"
    # "... to talk to anyone" / "... for a human", a few words in between; or "a person" at once
    r"(?:[^.?!]{0,15}?\b(?:to\s+(?:talk|speak|chat)\s+(?:to|with)\s+|for\s+)|\s+)"
    r"(?:a\s+|an\s+|any\s+)?"
    r"(?:human|person|agent|anyone|anybody|someone|somebody|representative|staff)\b",
    re.IGNORECASE,
)


_REQUEST_WORDS = (
    "agent", "human", "person", "people", "someone", "somebody", "representative", "operator",
    "staff", "manager", "supervisor", "colleague", "employee", "speak", "talk", "chat",
    "connect", "transfer", "real", "live", "actual", "want", "need", "can", "get",
)  # fmt: skip


def _swaps(word: str) -> List[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


_TRANSPOSED = {
    swapped: word
    for word in _REQUEST_WORDS
    for swapped in _swaps(word)
    if swapped not in _REQUEST_WORDS
}
"""Two neighbouring letters swapped, the commonest typo when typing fast ("a real agnet")."""
_WORD = re.compile(r"[A-Za-z]+")


def untangle_typos(text: str) -> str:
    """Return ``text`` with swapped-letter typos of the request words corrected."""
    return _WORD.sub(lambda m: _TRANSPOSED.get(m.group().lower(), m.group()), text)


def is_explicit_request(text: Optional[str]) -> bool:
    """Tell whether ``text`` asks to be put through to a person.

    A question about whether the bot is human ("am I talking to a real person?") is a
    bot challenge, not a request, and returns False; so is a message that says no person is
    needed (see :func:`declines_a_person`). Two swapped letters in a request word
    ("cna I get a real agnet") are read as the word.
    """
    if not text:
        return False
    text = untangle_typos(text)
    if _ASKING_WHETHER_BOT.search(text) or declines_a_person(text):
        return False
    return any(pattern.search(text) for pattern in (*_REQUESTS, *_REQUESTS_DE_FR_ES))


_MENTION = re.compile(
    # not the customer's own people ("my colleague", "our travel agent") ...
    r"(?<!\bmy )(?<!\bour )(?<!\bhis )(?<!\bher )(?<!\btheir )"
    # ... nor a product or a trade ("cleaning agents", "estate agent")
    r"(?<!cleaning )(?<!travel )(?<!estate )(?<!letting )(?<!insurance )(?<!shipping )"
    r"(?<![\w'])(?:humans?|persons?|people|agents?|"
    r"representatives?|reps?|operators?|staff|employees?|colleagues?|team members?|"
    r"real ones?|(?:customer|client) (?:service|support|care)|service desk|support team|"
    r"managers?|supervisors?|advisors?|advisers?)(?![\w'])"
    # "someone"/"anyone" as somebody who could help, not as the actor ("someone hacked me")
    r"|\b(?:is there|are there|can|could|will|would|does|do|need|want|get|ask|have)\s+"
    r"(?:\w+\s+){0,2}?(?:some|any)(?:one|body)\b"
    r"|\b(?:some|any)(?:one|body)\s+(?:from|at|in|on|who|that|there|here|available|around|"
    r"real|human|alive)\b",
    re.IGNORECASE,
)
# a number of people is a size, not a person: "how many people fit on the sofa", "for 6 people"
_HEADCOUNT = re.compile(
    r"\b(?:how many|for|seats?|fits?|sleeps?|up to|\d+|two|three|four|five|six|eight|ten)"
    r"[\s-]+(?:people|persons?)\b",
    re.IGNORECASE,
)


def mentions_a_person(text: Optional[str]) -> bool:
    """Tell whether ``text`` mentions people, staff or a human without asking the bot if it is one.

    Not a request by itself ("do real people ever read these chats?", "is there anyone at the
    warehouse who knows?"): the policy *offers* a person for it, so a customer who meant to ask
    for one is one tap away, and one who did not just says no. A question whether the bot is
    human is a bot challenge, and "I don't need a person" declines, so neither is a mention.
    """
    if not text:
        return False
    text = _HEADCOUNT.sub(" ", untangle_typos(text))
    if _ASKING_WHETHER_BOT.search(text) or declines_a_person(text):
        return False
    return _MENTION.search(text) is not None


def declines_a_person(text: Optional[str]) -> bool:
    """Tell whether ``text`` says the customer does not need a person.

    "I don't need to speak to anyone, just tell me ..." or "no need for a human" may still
    look like ``human_handoff`` to the NLU; the policy then trusts the words, not the intent.
    """
    return bool(text) and _NO_PERSON_NEEDED.search(text or "") is not None
