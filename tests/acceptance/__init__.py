"""Acceptance tests: Jiuzhu driven through its command line as township staff, a careless or a hostile user do."""
