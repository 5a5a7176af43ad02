"""The REST face of Strongroom, under `/v1` (OpenAPI 3.1 at `/v1/openapi.json`).

Thin like the CLI: a route parses its request into a typed model, calls one service function
with the caller's principal and request context, and renders the result. Errors become RFC 9457
problems in `problems.py` and nowhere else. `app.create_app` builds the application;
`strongroom serve` runs it over TLS.
"""
