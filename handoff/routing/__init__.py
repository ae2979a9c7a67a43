"""Where a handoff goes, framework-free.

The team by topic, reason, tier and language (``teams``), the team's business hours
(``hours``), whether a person is there now or a ticket is due (``availability``), the one
routing answer every caller uses (``plan``), and how the handoff is served - live chat, ticket
or a guided self-service path (``handling``).
"""
