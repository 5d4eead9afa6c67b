"""Network: security groups reference security groups, the internet reaches only the entry
point, NACLs are rarely needed, Flow Logs record what was dropped, NLBs get groups at birth.

Importing the rule modules registers their checks.
"""

from . import (
    compute_exposure,
    flow_logs,
    internal_ranges,
    internet_exposure,
    load_balancer_groups,
    network_acls,
)

__all__ = [
    "compute_exposure",
    "flow_logs",
    "internal_ranges",
    "internet_exposure",
    "load_balancer_groups",
    "network_acls",
]
