"""The words that say where a submission stands, one constant each.

They are what users read (terminal, receipts, exports, bilans) and what the store and
the run manifest record: a change here is a change of the store's content.
"""

from __future__ import annotations

# A file's validation verdict (``cmacop validate``).
VALID = "valide"
INVALID = "invalide"

# A deposit's status in the store (``depots`` table).
ACCEPTED = "accepté"
REJECTED = "rejeté"
REPLACED = "remplacé"

# What a consolidation did with a file (REPLACED: a version older than the one in force,
# by the rule of ``validate/versions.py``: recorded, not consolidated).
ADDED = "ajouté"
REPLACING = "remplaçant"
UNCHANGED = "inchangé"
OUTCOMES = (ADDED, REPLACING, UNCHANGED, REPLACED, REJECTED)
# Not recorded: its annotated copy could not be written (the next run takes it again).
NOT_RECORDED = "non traité"
ACCEPTED_OUTCOMES = (ADDED, REPLACING, UNCHANGED, REPLACED)

# Where a chamber stands for a year (completeness).
TRANSMITTED = "transmis"
LATE = "hors délai"
MISSING = "manquant"
COMPLETENESS = (TRANSMITTED, LATE, REJECTED, MISSING)
