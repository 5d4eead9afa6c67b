"""A CDK app with mmaws-lint as a policy-validation plugin: `cdk synth` (or `python app.py`)
prints the findings of the synthesized stacks with their construct paths, and a finding at or
above `fail_on` stops the synthesis. The three mmaws-lint lines are marked."""

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs

from mmaws_lint.cdk import MmawsLintPlugin  # mmaws-lint 1/3

app = cdk.App()
# mmaws-lint 2/3 and 3/3: register the plugin; fail the synthesis on errors, report the rest
plugin = MmawsLintPlugin(fail_on="error")
cdk.Validations.of(app).add_plugins(plugin)

stack = cdk.Stack(app, "Jobs")
# No alarm, SQS-managed encryption, no dead-letter queue: warnings WMM101, WMM402 and WMM702
queue = sqs.Queue(stack, "Queue", encryption=sqs.QueueEncryption.SQS_MANAGED)
# A finding you accept is acknowledged on its construct (or one above it), with a reason:
cdk.Validations.of(queue).acknowledge(
    cdk.Acknowledgment(id="mmaws-lint::WMM702", reason="the producer retries failed jobs")
)
app.synth()
