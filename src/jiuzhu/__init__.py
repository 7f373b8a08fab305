"""Jiuzhu (救助): a social-assistance platform for Chinese civil-affairs bureaus.

Capabilities live in sub-packages, one folder each (``registry``, ``synth``,
``rules`` ...); the faces (``cli``) call their services.
"""

__version__ = "0.1.0"
