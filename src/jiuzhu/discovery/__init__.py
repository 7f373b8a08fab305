"""Proactive discovery (政策找人): scan the population with the rules and list who to contact."""
