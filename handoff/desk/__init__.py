"""The agent desk's rules over the handoff store, framework-free.

The handoff life cycle (``service``), offers to agents (``offers``), the expected wait
(``waiting``), people and their admin (``accounts``, ``admin``, ``passwords``), notes and
decisions (``records``), tickets copied to a help desk (``tickets``), live events for the inbox
(``events``, across replicas ``events_redis``) and the typed errors the HTTP layer maps to status
codes (``errors``). Every state change is one conditional UPDATE inside a caller's unit of work.
"""
