"""The outside departments' data and the exchange with them (docs/exchange.md). Nothing here imports the
registry: the format is the departments', not ours.

    records      the departments' record format (one Arrow schema per source), what the synthetic district
                 writes, the discovery scan and the department simulator read
    format       the exchange format v1 (jiuzhu-exchange/1): request, response, errors, error codes
    signing      RFC 9421 signatures (Ed25519) and RFC 9530 digests of requests and responses
    keys         Ed25519 key files and JWKS
    assertions   consent assertions (compact JWS) carried per subject
    sources      the catalogue: kinds, departments, categories, items and units; the 37 endpoints
    endpoints    the platform's sources.toml: URLs, pinned department keys, time-outs, limits
    client       one endpoint's signed HTTP client; every failure classified (errors: retryable, Retry-After)
    adapters     one per kind: department records → items, and request → trusted answer
"""
