"""mmaws-lint: check CloudFormation, SAM and CDK templates against a mental model of AWS.

>>> import mmaws_lint
>>> findings = mmaws_lint.lint(["template.yaml"])
"""

from __future__ import annotations

from ._version import __version__
from .api import lint, lint_result
from .findings import Finding
from .model import DOCS_URL

__all__ = ["DOCS_URL", "Finding", "__version__", "lint", "lint_result"]
