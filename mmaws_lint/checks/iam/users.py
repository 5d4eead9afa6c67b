"""WMM306 (long-lived access keys) and IMM307 (IAM users)."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Finding
from ...template.walk import possible_literals
from .. import Context, check


@check("WMM306")
def access_keys(ctx: Context) -> Iterator[Finding]:
    for key in ctx.app.resources("AWS::IAM::AccessKey"):
        scenarios = ctx.scenarios(key)
        active = [
            s
            for s in scenarios
            if possible_literals(ctx.resolver(key, s), key.properties, ("Status",), "Active")
            != {"Inactive"}
        ]
        if active:
            yield ctx.finding(
                key,
                f"{key.logical_id} creates a long-lived access key; give the workload a role"
                " (or IAM Roles Anywhere, or OIDC federation outside AWS) instead",
            )


@check("IMM307")
def iam_users(ctx: Context) -> Iterator[Finding]:
    for user in ctx.app.resources("AWS::IAM::User"):
        if ctx.scenarios(user):
            yield ctx.finding(
                user,
                f"{user.logical_id} is an IAM user; workloads inside AWS use roles and people"
                " sign in through IAM Identity Center or another identity provider",
            )
