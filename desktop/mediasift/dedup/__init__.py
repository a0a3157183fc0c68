"""Near-duplicates: hashes, candidates, tiered groups, keeper choice, safe actions with undo.

Front ends use it through ``Library.dupes / not_duplicates / plan / apply / undo``; this
package imports only its light data types (the CLI builds its parser from them).
"""

from mediasift.dedup.keeper import DEFAULT_RULES, KeeperRules
from mediasift.dedup.model import (
    BULK_TIERS,
    TIERS,
    Cancelled,
    Evidence,
    Group,
    Member,
    PlanRefused,
    Report,
)

__all__ = [
    "BULK_TIERS",
    "DEFAULT_RULES",
    "TIERS",
    "Cancelled",
    "Evidence",
    "Group",
    "KeeperRules",
    "Member",
    "PlanRefused",
    "Report",
]
