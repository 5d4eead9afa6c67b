"""Databases and data durability (WMM601-IMM607).

`availability` judges Multi-AZ, `maintenance` the windows engine updates run in, `deletion`
what happens to data when the stack goes, `backups` the backups of data stores and of data on
EC2 and EFS, `global_tables` multi-Region writes, `self_managed` databases run on EC2 or in
containers; importing them registers their checks.
"""

from . import availability, backups, deletion, global_tables, maintenance, self_managed

__all__ = [
    "availability",
    "backups",
    "deletion",
    "global_tables",
    "maintenance",
    "self_managed",
]
