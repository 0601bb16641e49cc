"""Stage 2 — the contract as data: what the COP 2023-2027 says, loaded from ``schemas/``.

``catalogue`` (axes, objectives, indicators, schedules), ``registry`` (the 21
establishments), ``contract`` (the template's sheets, columns and cells, shared by the
template and the readers), ``targets`` (national targets of a year and their split by
key) and ``referentiel`` (the campaign's reference files: COM targets, key, TFCMA bases).
"""
