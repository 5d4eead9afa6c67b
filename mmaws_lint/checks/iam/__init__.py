"""IAM least privilege (WMM301-IMM307).

`rules` registers the checks and imports their logic only for runs with IAM resources:
`wildcards` (WMM301, WMM302), `escalation` (EMM303), `trust` (EMM304) and `resource_policies`
(EMM305); `users` holds WMM306 and IMM307. `policies` reads identity policies wherever they are
written and `index` ties them to the identities they apply to; `action_data` and
`sam_templates` read the IAM action data and SAM policy templates of other packages, lazily and
failing safe.
"""

from . import rules, users

__all__ = ["rules", "users"]
