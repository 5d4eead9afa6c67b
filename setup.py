"""The package list, found rather than written: every package under mmaws_lint/ ships (with or
without an `__init__.py`), so a new rule family cannot be left out of the wheel, plus the model
data in rules/ as mmaws_lint.model_data (mapped in pyproject.toml). The rest is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

PACKAGES = find_namespace_packages(
    include=["mmaws_lint", "mmaws_lint.*"], exclude=["*.__pycache__"]
)

setup(packages=[*PACKAGES, "mmaws_lint.model_data"])
