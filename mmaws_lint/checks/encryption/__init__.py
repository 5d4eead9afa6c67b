"""Encryption at rest with customer managed keys (WMM401-WMM407).

`at_rest` judges data stores against the catalog, `keys` judges KMS keys and their policies,
`backup` judges backup plans; importing them registers their checks.
"""

from . import certificates, clear_text, tls_guards, tls_policies, transit  # noqa: F401, I001
from . import at_rest, backup, keys

__all__ = ["at_rest", "backup", "keys"]
