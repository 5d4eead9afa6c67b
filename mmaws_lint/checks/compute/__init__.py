"""Compute and storage: instances, Auto Scaling groups, burstable performance, volumes.

Importing the rule modules registers their checks.
"""

from . import (
    burstable_performance,
    efs_throughput,
    gp2_volumes,
    instance_store,
    single_instance,
    zone_spread,
)

__all__ = [
    "burstable_performance",
    "efs_throughput",
    "gp2_volumes",
    "instance_store",
    "single_instance",
    "zone_spread",
]
