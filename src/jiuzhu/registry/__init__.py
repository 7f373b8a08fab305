"""The registry of areas, households and people: the facts the rules need."""
