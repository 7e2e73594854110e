"""The SIP data plane: Kamailio's config, the tables it reads, and the agent that reloads it.

- ``compiler``: a route and its numbers -> rows of Kamailio's tables (pure)
- ``sync``: writes those rows in the API's own transaction and bumps the reload generation
- ``rpc``: a JSON-RPC client for Kamailio's ``jsonrpcs`` datagram socket; a fake beside it
- ``agent``: follows the generation and reloads Kamailio (debounced, serialised, retried)
- ``config`` and ``kamailio.cfg``: the Kamailio configuration rendered from settings
"""
