"""IAM least privilege (WMM301-IMM307).

`policies` reads identity policies wherever they are written and `index` ties them to the
identities they apply to; `action_data` and `sam_templates` read the IAM action data and SAM
policy templates of other packages, lazily and failing safe. `wildcards`, `escalation`,
`trust`, `resource_policies` and `users` hold the checks; importing them registers them.
"""

from . import escalation, resource_policies, trust, users, wildcards

__all__ = ["escalation", "resource_policies", "trust", "users", "wildcards"]
