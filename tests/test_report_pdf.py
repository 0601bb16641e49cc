"""PDF bilans (issue #12): WeasyPrint prints the HTML bilans to A4, with page numbers, the
contents with their pages and landscape pages for the wide tables; without WeasyPrint, a
French error says what to install and the other formats are still written."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cmacop.cli import main
from cmacop.render import pdf as pdf_module
from cmacop.render import render_report
from cmacop.render.pdf import PdfUnavailable, check_pdf

DAY = date(2025, 6, 15)
A4 = (595, 842)  # points, rounded
NATIONAL_SECTIONS = [
    "1. Synthèse",
    "2. Résultats par axe et par objectif",
    "3. Chambres et axes",
    "4. Proposition de modulation de la TFCMA 2025",  # no rule decided in the fixture
    "5. Engagements datés du contrat",
    "6. Engagements de l'État",
    "7. Qualité des données",
    "8. Méthode et sources",
]
COM_SECTIONS = [
    "1. Synthèse",
    "2. Indicateurs et cibles",
    "3. Les chambres du réseau",
    "4. Proposition de modulation de la TFCMA 2025",  # no rule decided in the fixture
    "5. Qualité des données",
    "6. Méthode et sources",
]


def _weasyprint_ready() -> bool:
    try:
        check_pdf()
    except PdfUnavailable:
        return False
    return True


needs_weasyprint = pytest.mark.skipif(
    not _weasyprint_ready(), reason="WeasyPrint ou Pango absent : pip install 'cmacop[pdf]'"
)


def _read(path):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(path))
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    texts = [p.extract_text() or "" for p in reader.pages]
    return reader, sizes, texts


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " "))


@needs_weasyprint
def test_pdf_bilans_pages_text_and_every_section(report_inputs, tmp_path):
    result = render_report(
        report_inputs, out_dir=tmp_path, generated_on=DAY, chambers=["CMAR-53"], formats="pdf"
    )
    paths = {d.scope: d.path for d in result.documents}
    assert set(paths) == {"national", "CMAR-53"} and all(d.fmt == "pdf" for d in result.documents)

    reader, sizes, texts = _read(paths["national"])
    assert len(sizes) >= 8  # a cover, then each chapter on a new page
    assert all(size in (A4, A4[::-1]) for size in sizes)  # A4, portrait or landscape
    assert sizes[0] == A4 and A4[::-1] in sizes  # landscape pages for the wide tables
    whole = _flat(" ".join(texts))
    for title in NATIONAL_SECTIONS:
        assert title in whole, title
    # Page numbers in every footer, and the contents give the page of each section.
    for number, text in enumerate(texts, start=1):
        assert f"page {number} / {len(texts)}" in _flat(text)
    contents = _flat(texts[0])
    for title in NATIONAL_SECTIONS:  # « Synthèse ....... 2 » (list numbers extracted apart)
        name = title.split(". ", 1)[1]
        assert re.search(re.escape(name) + r" \.+ \d+", contents), title
    assert "Taux de réalisation du réseau" in whole and "Engagements de l'État" in whole
    assert (
        reader.metadata is not None and reader.metadata.title == "Bilan annuel du COP — année 2024"
    )

    _, com_sizes, com_texts = _read(paths["CMAR-53"])
    com = _flat(" ".join(com_texts))
    assert all(size in (A4, A4[::-1]) for size in com_sizes)
    for title in COM_SECTIONS:
        assert title in com, title
    assert "Appréciation du préfet de région" in com


def test_without_weasyprint_the_other_formats_are_written(
    consolidated_campaign, tmp_path, capsys, monkeypatch
):
    def missing():
        raise PdfUnavailable(
            "export PDF impossible : la bibliothèque WeasyPrint n'est pas installée"
        )

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    store = consolidated_campaign / "consolidation"
    argv = ["report", "--year", "2024", "--store", str(store), "--out", str(tmp_path),
            "--chamber", "CMAR-53", "--format", "md,pdf", "--date", "2025-06-15"]  # fmt: skip
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    assert info.value.code == 5
    assert "Erreur : export PDF impossible : la bibliothèque WeasyPrint n'est pas installée" in (
        captured.err
    )
    assert "pip install 'cmacop[pdf]'" in captured.err and "Traceback" not in captured.err
    # The Markdown bilans and the machine files are written, and listed on stdout.
    assert (tmp_path / "bilan_cop_2024.md").is_file()
    assert (tmp_path / "com" / "bilan_com_2024_CMAR-53.md").is_file()
    assert not list(tmp_path.rglob("*.pdf"))
    assert str(tmp_path / "bilan_cop_2024.md") in captured.out.splitlines()


def test_pdf_in_the_campaigns_formats(consolidated_campaign, tmp_path, monkeypatch):
    """[bilans] formats of cmacop.toml choose the formats of cmacop report."""
    import shutil

    from cmacop.render import build_report

    campaign = tmp_path / "campagne"
    shutil.copytree(consolidated_campaign, campaign)
    toml = campaign / "cmacop.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('formats = "md,html,xlsx"', 'formats = "md"'),
        encoding="utf-8",
    )
    result = build_report(config=campaign, chambers=["CMAR-53"], generated_on=DAY)
    assert {d.fmt for d in result.documents} == {"md"}


def test_the_nightly_run_publishes_the_other_formats_without_weasyprint(campaign, monkeypatch):
    """pdf in [bilans] formats and no WeasyPrint: cmacop run warns in its journal and
    publishes the other formats, never fails the night for it."""
    from cmacop.run.nightly import run_campaign

    def missing():
        raise PdfUnavailable(
            "export PDF impossible : la bibliothèque WeasyPrint n'est pas installée"
        )

    monkeypatch.setattr(pdf_module, "_weasyprint", missing)
    toml = campaign / "cmacop.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('formats = "md,html,xlsx"', 'formats = "md,pdf"'),
        encoding="utf-8",
    )
    result = run_campaign(campaign, today=DAY)
    assert result.exit_code == 0
    bilans = campaign / "bilans" / "2024"
    assert (bilans / "bilan_cop_2024.md").is_file() and not list(bilans.rglob("*.pdf"))
    log = (campaign / "journal" / "cmacop.log").read_text(encoding="utf-8")
    assert "bilans 2024 sans PDF : export PDF impossible" in log and "cmacop[pdf]" in log
