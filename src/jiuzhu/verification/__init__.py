"""Household economic verification (核对): the departments, banks and insurers asked, under each member's consent,
and the 核对报告 written from their answers (issue 13; docs/exchange.md).

So far: ``breaker`` and ``resilience``, how one endpoint is asked (limits, retries, circuit breaker); ``fanout``,
every endpoint of a verification asked at once, a failed one reported as such (its items unknown, never zero).

One verification of a household (docs/verification.md): ``models`` (migration 0013), ``service`` (start under
consent; the runner's claim, lease, T1 ``prepare`` and T2 ``record``), ``plan`` (request ids and bodies with fresh
consent assertions), ``flows`` (T1 → fan-out with the consents re-read before every attempt → T2; ``run_here`` for
``jiuzhu verify``), ``runner`` (the server's thread and event loop running queued verifications, restart-safe).

A batch of households (定期复核, the job ``verify_batch``; docs/verification.md "Batch"): ``batch_service`` (its
households, each wave's T1 and T2, the resume of a wave prepared and not recorded; migration 0014), ``batch`` (the
waves in flight, their requests through the same guards, the consents re-read before every attempt)."""
