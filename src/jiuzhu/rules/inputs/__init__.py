"""The rules' inputs for a month: what the rules read about a household, decided once, in the open.

Two twins compute the same inputs:

    documents   from household documents (``registry.schemas.Household``), one at a time: the reference,
                used to evaluate a household and in the YAML-free tests
    population  from a Parquet snapshot of the registry, by DuckDB in SQL: millions of people at a time,
                used by the scan, what-if on the registry and the synthetic district's enrolment

and share everything that is data or logic of the law from ``facts`` (mappings, the supporters' law, the
parameters read — from the system given, baseline or reform); ``tables`` holds the Arrow form of the inputs and
the one way to number their rows within households. Property tests (tests/rules/test_inputs_twins.py,
tests/discovery/test_scan.py) hold the two twins equal; tests/rules/test_inputs_facts.py holds each rule written
in both Python and SQL equal over every combination of its inputs.
"""
