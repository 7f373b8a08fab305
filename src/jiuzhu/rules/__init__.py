"""Rules as code: the law's parameters (dated YAML) and, later, the programmes' formulas."""
