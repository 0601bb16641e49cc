"""Stage 5 — ``cmacop consolidate``: accepted submissions into the history store.

``year`` (one year, the twin :func:`~cmacop.consolidate.year.consolidate_paths`),
``years`` (several years in one call), ``merge`` (a year's tables updated in memory,
then committed), ``outcomes`` (what was done with each file, its audit lines), ``store``
(Parquet partitions and their lock), ``completeness`` (where each chamber stands) and
``exports`` (the CSV and workbook for people).
"""
