"""The REST API (/api/v1, FastAPI): routers that parse, call one service or flow, and render (issue 12)."""
