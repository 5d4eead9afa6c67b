"""Monitoring: finite capacities need alarms, alarms need someone to tell, and utilization
alarms must fire before latency suffers.

Importing the rule modules registers their checks.
"""

from . import alarm_actions, finite_resources, optional, utilization_thresholds

__all__ = ["alarm_actions", "finite_resources", "optional", "utilization_thresholds"]
