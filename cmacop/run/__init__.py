"""Stage 8 — ``cmacop run`` and ``cmacop statut``: the whole campaign, unattended.

``nightly`` (:func:`~cmacop.run.nightly.run_campaign`, one pass under the run lock),
``deposits`` (what ``depot/`` holds, each file read once), ``steps`` (consolidation with
receipts, bilans, housekeeping), ``state`` (the run manifest), ``result`` (what a pass
did, as data), ``receipts`` (accusés de réception), ``status`` (the twin of ``cmacop
statut``) and ``journal`` (the rotating log).
"""
