"""Suppressions: rules about the linter's own inputs, the exceptions written into templates.

Importing the rule modules registers their checks.
"""

from . import reasons

__all__ = ["reasons"]
