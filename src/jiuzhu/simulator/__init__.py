"""The department simulator (``jiuzhu simulate-departments``): the departments' side of the exchange, a separate
process answering in the exchange format from a synthetic district's department records, one loopback port per
endpoint, as a real department would — it checks the format, the requester's key, the signature and digest,
freshness, idempotency and each subject's consent assertion, logs each decision, and misbehaves on request
(latency, errors, time-outs, rate limits, stale answers, down).

It imports nothing of Jiuzhu but ``exchange`` and the core (an import contract): it must not know the registry
or the synthetic district's truth, only what a department holds.

    store       the departments' records (departments/*.parquet), indexed by ID number
    faults      per-endpoint faults (TOML; changed at run time through the admin port) and their seeded draws
    checks      the checks of a request, in a department's order, each refusal with its reason code
    department  one endpoint's web application (/v1/query, /v1/health, /.well-known/jwks.json)
    decisions   the decision log, JSON Lines
    server      every endpoint on its own port in one asyncio loop, and the admin port
"""
