"""Annotated copies of workbooks, made by editing the ``.xlsx`` package rather than with openpyxl.

Loading and saving a chamber's workbook with openpyxl takes ~60 ms, three
quarters of a nightly ``cmacop run``; editing the few parts that change takes
a few milliseconds and keeps everything else byte for byte (Excel extensions
openpyxl drops, shared strings, the calculation cache). ``markup`` reads and
splices XML text, ``styles`` extends ``styles.xml``, ``sheets`` edits and writes
worksheets, ``package`` handles the zip and its relationships, ``workbook``
puts them together. What it does not handle raises :class:`UnsupportedWorkbook`.
"""

from cmacop.files.xlsxpatch.markup import UnsupportedWorkbook
from cmacop.files.xlsxpatch.sheets import NewCell, NewSheet, sheet_location
from cmacop.files.xlsxpatch.styles import Style
from cmacop.files.xlsxpatch.workbook import Mark, annotate, new_workbook

__all__ = [
    "Mark",
    "NewCell",
    "NewSheet",
    "Style",
    "UnsupportedWorkbook",
    "annotate",
    "new_workbook",
    "sheet_location",
]
