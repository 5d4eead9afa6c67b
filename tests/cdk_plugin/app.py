"""A two-stack CDK app synthesized with the mmaws-lint validation plugin by
tests/test_cdk_plugin.py, with the interpreter of a virtual environment holding one
aws-cdk-lib release. What varies comes from the environment:

  MMAWS_TEST_OUTDIR       where the cloud assembly goes
  MMAWS_TEST_FAIL_ON      the plugin's fail_on
  MMAWS_TEST_SUPPRESS     "1": suppress EMM405 in the key's template metadata (the project's
                          own suppression, which every release honours)
  MMAWS_TEST_ACKNOWLEDGE  "1": acknowledge WMM402 and WMM702 on the queue construct
                          (Validations.acknowledge; releases that have it); "app": on the app

The data stack has a key deleted with the stack (EMM405, an error) and a queue with
SQS-managed encryption (WMM402, a warning) and no dead-letter queue (WMM702, a warning). The
monitoring stack alarms on the queue through a cross-stack import, so no WMM101 is expected
for the queue: the plugin lints both stacks together.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_cloudwatch_actions import SnsAction

from mmaws_lint.cdk import MmawsLintPlugin


class DataStack(cdk.Stack):
    def __init__(self, scope, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self, "ScratchKey", enable_key_rotation=True, removal_policy=cdk.RemovalPolicy.DESTROY
        )
        if os.environ.get("MMAWS_TEST_SUPPRESS") == "1":
            self.key.node.default_child.add_metadata(
                "mmaws-lint", {"ignore": [{"id": "EMM405", "reason": "test: a scratch key"}]}
            )
        self.queue = sqs.Queue(self, "Jobs", encryption=sqs.QueueEncryption.SQS_MANAGED)


class MonitoringStack(cdk.Stack):
    def __init__(self, scope, construct_id: str, data: DataStack) -> None:
        super().__init__(scope, construct_id)
        ops_key = kms.Alias.from_alias_name(self, "Ops", "alias/ops")
        topic = sns.Topic(self, "Alarms", master_key=ops_key)
        alarm = cloudwatch.Alarm(
            self,
            "JobsTooOld",
            metric=data.queue.metric_approximate_age_of_oldest_message(statistic="Maximum"),
            threshold=600,
            evaluation_periods=3,
        )
        alarm.add_alarm_action(SnsAction(topic))


plugin = MmawsLintPlugin(fail_on=os.environ.get("MMAWS_TEST_FAIL_ON", "error"), config=False)
if hasattr(cdk, "Validations"):
    app = cdk.App(outdir=os.environ["MMAWS_TEST_OUTDIR"])
    cdk.Validations.of(app).add_plugins(plugin)
else:
    app = cdk.App(outdir=os.environ["MMAWS_TEST_OUTDIR"], policy_validation_beta1=[plugin])
data = DataStack(app, "Data")
MonitoringStack(app, "Monitoring", data)
if os.environ.get("MMAWS_TEST_ACKNOWLEDGE") in ("1", "app"):
    on = app if os.environ["MMAWS_TEST_ACKNOWLEDGE"] == "app" else data.queue
    cdk.Validations.of(on).acknowledge(
        cdk.Acknowledgment(id="mmaws-lint::WMM402", reason="test: SQS-managed keys are accepted"),
        cdk.Acknowledgment(id="mmaws-lint::WMM702", reason="test: the producer retries"),
    )
app.synth()
