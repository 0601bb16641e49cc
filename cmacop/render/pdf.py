"""The bilans as A4 PDF: the HTML bilans printed by WeasyPrint (optional extra ``cmacop[pdf]``).

The HTML's print stylesheet does the layout: A4 pages, page numbers in the footer, the
contents with the page of each section (``target-counter``), landscape pages for the
sections marked ``wide``. WeasyPrint needs the Pango system library; without it, or
without WeasyPrint, :class:`PdfUnavailable` says in French what to install.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from cmacop.errors import CmacopError

INSTALL_HINT = (
    "Installez l'extension PDF de cmacop : pip install 'cmacop[pdf]' ; elle utilise "
    "WeasyPrint, qui demande la bibliothèque système Pango (Debian, Ubuntu : apt-get install "
    "libpango-1.0-0 libpangoft2-1.0-0 ; voir docs/administrateur.md). Les autres formats "
    "sont écrits."
)


class PdfUnavailable(CmacopError):
    """The PDF bilans cannot be printed: WeasyPrint or Pango is missing.

    ``written`` holds what was written in the other formats before giving up on the PDF
    (a :class:`~cmacop.render.build.ReportResult`).
    """

    code = "E-PDF"
    exit_code = 5

    def __init__(
        self, message: str, *, hint: str | None = INSTALL_HINT, written: Any = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.written = written


@lru_cache(maxsize=1)
def _weasyprint() -> Any:
    """WeasyPrint's ``HTML`` class, imported once; :class:`PdfUnavailable` when it cannot be."""
    try:
        from weasyprint import HTML
    except ImportError:
        raise PdfUnavailable(
            "export PDF impossible : la bibliothèque WeasyPrint n'est pas installée"
        ) from None
    except OSError as exc:  # WeasyPrint is there, Pango (or one of its libraries) is not
        raise PdfUnavailable(
            f"export PDF impossible : WeasyPrint ne trouve pas la bibliothèque système Pango ({exc})"
        ) from None
    return HTML


def check_pdf() -> None:
    """Raise :class:`PdfUnavailable` now if the PDF bilans could not be printed."""
    _weasyprint()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML bilan (A4, page numbers, contents with pages)."""
    html_class = _weasyprint()
    # WeasyPrint logs (in English) the screen-only CSS it ignores: not the user's concern.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    pdf: bytes = html_class(string=html, base_url=None).write_pdf()
    return pdf
