"""Which instance types run on CPU credits; shared by the compute and monitoring families."""

from __future__ import annotations

from typing import Any


def is_burstable(service: str, instance_type: str, data: dict[str, Any]) -> bool:
    """True when `instance_type` of `service` (ec2, rds, elasticache, opensearch) is burstable.

    `data` is the model's data (`ctx.model.data`); its `burstable_classes` lists the class
    prefixes, e.g. `t3` matches `t3.micro` and `db.t3` matches `db.t3.medium`.
    """
    prefixes = data.get("burstable_classes", {}).get(service, [])
    lowered = instance_type.strip().lower()
    return any(lowered.startswith(prefix + ".") for prefix in prefixes)


def always_unlimited(service: str, instance_type: str, data: dict[str, Any]) -> bool:
    """True when the service always runs `instance_type` in unlimited CPU credit mode."""
    prefixes = data.get("burstable_always_unlimited", {}).get(service, [])
    lowered = instance_type.strip().lower()
    return any(lowered.startswith(prefix + ".") for prefix in prefixes)
