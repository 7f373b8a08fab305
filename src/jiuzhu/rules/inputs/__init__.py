"""The rules' inputs for a month: what the rules read about a household, decided once, in the open.

Two twins compute the same inputs:

    documents   from household documents (``registry.schemas.Household``), one at a time: the reference,
                used to evaluate a household and in the YAML-free tests
    population  from a Parquet snapshot of the registry, by DuckDB in SQL: millions of people at a time,
                used by the scan, what-if on the registry and the synthetic district's enrolment

A Hypothesis property test (tests/discovery/test_scan.py) holds the two equal.
"""
