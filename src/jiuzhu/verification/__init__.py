"""Household economic verification (核对): the departments, banks and insurers asked, under each member's consent,
and the 核对报告 written from their answers (issue 13; docs/exchange.md).

So far: ``breaker`` and ``resilience``, how one endpoint is asked (limits, retries, circuit breaker); ``fanout``,
every endpoint of a verification asked at once, a failed one reported as such (its items unknown, never zero)."""
