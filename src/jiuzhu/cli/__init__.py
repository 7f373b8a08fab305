"""The ``jiuzhu`` command."""
