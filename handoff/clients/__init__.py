"""HTTP clients of the kit.

The action server's client for the desk API (``desk_api``) and the external help desk's REST
API (``helpdesk``): thin async wrappers over one JSON-over-HTTP call path (``json_api``) that
raises one typed error (``errors.ApiError``), on the event loop's shared aiohttp session
(``sessions``).
"""
