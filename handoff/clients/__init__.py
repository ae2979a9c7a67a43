"""HTTP clients of the kit.

The action server's client for the desk API (``desk_api``) and the external help desk's REST
API (``helpdesk``).
"""
