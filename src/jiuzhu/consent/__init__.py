"""Personal electronic authorization (个人电子授权) for verification (核对), modelled on ISO/IEC TS 27560.

    required    who must authorize for a household on a date (pure)
    states      the transition table of a consent record
    terms       the frozen terms of a record and their SHA-256
    parameters  dated figures of law (validity, proxies) read from parameters/*.yaml
    notices     the notice text shown to the person (versioned)
    models      notices, consent records, links (and the guard that freezes given terms)
    service     request, give, refuse, withdraw, renew, invalidate, expire; check_required (the verification's gate)
    links       signed expiring links for members far away: issue, open, decide
    receipts    the receipt of a decision: its page, its MAC, withdrawing from it

docs/consent.md describes the states, who signs, the fields and their ISO 27560 names.
"""
