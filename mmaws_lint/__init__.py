"""mmaws-lint: check CloudFormation, SAM and CDK templates against a mental model of AWS.

>>> import mmaws_lint
>>> findings = mmaws_lint.lint(["template.yaml"])
"""

from __future__ import annotations

from ._version import __version__

DOCS_URL = "https://github.com/mmaws-lint/mmaws-lint/blob/main/docs/rules.md"

from .api import lint, lint_result  # noqa: E402
from .findings import Finding  # noqa: E402

__all__ = ["DOCS_URL", "Finding", "__version__", "lint", "lint_result"]
