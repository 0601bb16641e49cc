"""Stage 6 — ``cmacop compute``: targets, attainment, TFCMA modulation, manifest.

``attainment`` (exact rates), ``modulation`` (money in cents, reconciled), ``results``
(a year computed from the store, everything the bilan shows), ``manifest`` (parameters
and input hashes), ``outputs`` (the machine files) and ``year`` (the twin
:func:`~cmacop.compute.year.compute_year`, which also writes them).
"""
