"""The resource types the compute rules name more than once."""

from __future__ import annotations

AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"
INSTANCE = "AWS::EC2::Instance"
LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"
