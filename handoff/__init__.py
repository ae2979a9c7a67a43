"""Framework-free core of the handoff kit.

Everything here runs without Rasa: reason codes, intake parsing, the context package, the
handoff settings, the SQL store and the desk's rules. The Rasa adapters live in ``actions/``,
``connectors/`` and ``custom_components/``.
"""
