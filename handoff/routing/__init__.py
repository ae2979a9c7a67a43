"""Where a handoff goes, framework-free.

The team by topic, reason, tier and language (``teams``), the team's business hours
(``hours``), whether a person is there now or a ticket is due (``availability``), and the one
routing answer every caller uses (``plan``).
"""
