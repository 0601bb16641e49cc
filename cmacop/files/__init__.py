"""Stage 1 — file formats, with no knowledge of the COP.

``xlsxread`` reads a workbook's cells safely (zip bombs, XML entities, absurd
dimensions); ``xlsxwrite`` writes plain workbooks fast; ``xlsxpatch`` annotates a
chamber's own workbook by editing its XML; ``frenchcsv`` reads CSV as French Excel
writes it; ``fsutil`` writes atomically and hashes (the one SHA-256); ``lockfile``
holds a lock on a shared drive and takes over a stale one.
"""
