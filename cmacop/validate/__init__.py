"""Stage 4 — ``cmacop validate``: every problem of every submission, as data.

``engine`` (:func:`~cmacop.validate.engine.validate_paths`, the twin), ``submission``
(reading a file into located cells, no judgement), ``checks/`` (one module per family of
checks), ``findings`` (the finding and the registry of stable codes) and ``feedback``
(the annotated copy sent back to the chamber).
"""
