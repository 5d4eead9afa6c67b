"""Findings at `cdk synth`: the aws-cdk-lib policy-validation plugin (needs the `[cdk]` extra).

    from mmaws_lint.cdk import MmawsLintPlugin
    cdk.Validations.of(app).add_plugins(MmawsLintPlugin())

`report` computes what the plugin reports and needs no aws-cdk-lib; the plugin class is
imported on first use, so only it needs aws-cdk-lib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plugin import MmawsLintPlugin

__all__ = ["MmawsLintPlugin"]


def __getattr__(name: str) -> Any:
    if name == "MmawsLintPlugin":
        from .plugin import MmawsLintPlugin

        return MmawsLintPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
