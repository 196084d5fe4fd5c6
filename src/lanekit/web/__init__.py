"""The plumbing every API surface shares: request dependencies (actor, rate limit, database, paging),
middleware, routing and JSON responses, streamed multipart reading, and the health probes.

Surfaces (`http/` for /io, and later `reporting/`, `scim/`, `legacy/`, `ui/`) import this package; it imports
none of them.
"""
