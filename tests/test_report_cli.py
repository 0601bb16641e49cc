"""``cmacop report`` on the example campaign: the twin, the files, French errors."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from test_report_render import EXTERNAL
from typer.testing import CliRunner

from cmacop.campaign.settings import Settings
from cmacop.cli import app, main
from cmacop.compute.outputs import render_outputs
from cmacop.compute.results import compute_results
from cmacop.cop.rules import Decided, Decisions
from cmacop.render import build_report

runner = CliRunner()
DAY = date(2025, 6, 15)


@pytest.fixture(scope="module")
def bilans(consolidated_campaign, tmp_path_factory) -> Path:
    """``cmacop report --year 2024`` run once on the consolidated example campaign."""
    out = tmp_path_factory.mktemp("bilans")
    store = consolidated_campaign / "consolidation"
    args = ["report", "--year", "2024", "--store", str(store), "--out", str(out)]
    result = runner.invoke(app, [*args, "--date", "2025-06-15"])
    assert result.exit_code == 0, result.output
    return out


def test_writes_national_and_eighteen_com_bilans_in_three_formats(bilans):
    names = sorted(p.relative_to(bilans).as_posix() for p in bilans.rglob("*") if p.is_file())
    documents = [n for n in names if n.startswith(("bilan_", "com/"))]
    assert len(documents) == 3 * (1 + 18)
    assert {"bilan_cop_2024.md", "bilan_cop_2024.html", "bilan_cop_2024.xlsx"} <= set(names)
    assert "com/bilan_com_2024_CMAR-84.html" in names
    assert not any("CM-ALSACE" in n or "CM-MOSELLE" in n for n in names)
    assert not any(n.startswith(".") or "/." in n for n in names)  # no temporary file left


def test_machine_files_are_those_of_compute(bilans, consolidated_campaign):
    results = compute_results(2024, store=consolidated_campaign / "consolidation")
    for name, data in render_outputs(results).items():
        assert (bilans / name).read_bytes() == data, name
    manifest = json.loads((bilans / "manifeste_2024.json").read_text(encoding="utf-8"))
    assert manifest["annee_resultats"] == 2024 and manifest["fichiers_sortie"]


def test_bilan_shows_the_manifest_and_the_catalogue(bilans, consolidated_campaign, catalogue):
    html = (bilans / "bilan_cop_2024.html").read_text(encoding="utf-8")
    manifest = json.loads((bilans / "manifeste_2024.json").read_text(encoding="utf-8"))
    for entry in manifest["fichiers_entree"] + manifest["depots"]:
        assert entry["sha256"] in html
    assert catalogue.content_hash in html and catalogue.version in html
    assert "referentiel/cibles_com.csv" in html


def test_example_html_is_self_contained_and_says_what_is_late(bilans):
    for path in bilans.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), f"{path.name}: {EXTERNAL.search(text)}"
    national = (bilans / "bilan_cop_2024.html").read_text(encoding="utf-8")
    assert "transmis hors délai" in national  # CMAR-02 sent in March (example story)


def test_twin_json_equals_cli(consolidated_campaign, tmp_path):
    store = consolidated_campaign / "consolidation"
    args = ["report", "--year", "2024", "--store", str(store), "--date", "2025-06-15"]
    args += ["--chamber", "CMAR-84", "--format", "html", "--out", str(tmp_path / "cli"), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    twin = build_report(
        2024,
        store=store,
        chambers=["CMAR-84"],
        formats="html",
        out_dir=tmp_path / "cli",
        generated_on=DAY,
    )
    assert json.loads(result.stdout) == twin.to_dict()
    assert [d.path.name for d in twin.documents] == [
        "bilan_cop_2024.html",
        "bilan_com_2024_CMAR-84.html",
    ]


def test_default_output_is_the_campaign_bilans_folder(consolidated_campaign, tmp_path):
    campaign = tmp_path / "campagne"
    shutil.copytree(consolidated_campaign / "consolidation", campaign / "consolidation")
    shutil.copytree(consolidated_campaign / "referentiel", campaign / "referentiel")
    result = build_report(
        2024, store=campaign / "consolidation", chambers=[], formats="md", generated_on=DAY
    )
    assert result.out_dir == campaign / "bilans" / "2024"
    assert [d.path.name for d in result.documents] == ["bilan_cop_2024.md"]
    assert (campaign / "bilans" / "2024" / "bilan_cop_2024.md").is_file()


def test_stdout_lists_the_files_and_stderr_summarises(consolidated_campaign, tmp_path, capsys):
    store = consolidated_campaign / "consolidation"
    main(["report", "--year", "2024", "--store", str(store), "--out", str(tmp_path),
          "--chamber", "CMAR-94", "--format", "md", "--date", "2025-06-15"])  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:2] == [
        str(tmp_path / "bilan_cop_2024.md"),
        str(tmp_path / "com" / "bilan_com_2024_CMAR-94.md"),
    ]
    assert captured.err == (
        f"Bilans 2024 écrits dans {tmp_path} : le bilan national et 1 bilan de COM "
        "(2 documents), 5 fichiers de calcul.\n"
        # The example decides the 2025 share only: the other rules are cmacop's defaults.
        "Attention : modulation de la TFCMA 2025 présentée comme une proposition : règles non "
        "décidées par CMA France, appliquées avec le défaut de cmacop (clés de regles.toml) : "
        "taux_axe, plafond_taux, poids_indicateurs.\n"
    )


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--format", "docx"], 2, "format de bilan inconnu : docx"),
        (["--date", "2025-13-01"], 2, "date invalide : « 2025-13-01 »"),
        (["--chamber", "CMAR-99"], 2, "chambre inconnue : CMAR-99"),
        (["--chamber", "CM-MOSELLE"], 2, "n'est pas une chambre de région"),
        (["--year", "2028"], 4, "aucune donnée consolidée pour 2028"),
        (["--base", "/nonexistent/tfcma.csv"], 4, "tfcma.csv"),
    ],
)
def test_bad_input_is_a_french_message_not_a_traceback(
    consolidated_campaign, tmp_path, capsys, extra, code, message
):
    store = consolidated_campaign / "consolidation"
    argv = ["report", "--year", "2024", "--store", str(store), "--out", str(tmp_path), *extra]
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == code, err
    assert err.startswith("Erreur : ") and message in err
    assert "Traceback" not in err
    assert not list(tmp_path.rglob("bilan_*"))


def test_rerun_gives_identical_documents(consolidated_campaign, tmp_path):
    store = consolidated_campaign / "consolidation"
    first = build_report(2024, store=store, out_dir=tmp_path / "a", formats="md,html",
                         chambers=["CMAR-03"], generated_on=DAY)  # fmt: skip
    second = build_report(2024, store=store, out_dir=tmp_path / "b", formats="md,html",
                          chambers=["CMAR-03"], generated_on=DAY)  # fmt: skip
    for one, two in zip(first.documents, second.documents, strict=True):
        assert one.path.read_bytes() == two.path.read_bytes()


def test_unwritable_output_folder_is_a_french_message(consolidated_campaign, tmp_path, capsys):
    blocker = tmp_path / "fichier"
    blocker.write_text("pas un dossier", encoding="utf-8")
    store = consolidated_campaign / "consolidation"
    with pytest.raises(SystemExit) as info:
        main(["report", "--year", "2024", "--store", str(store), "--out", str(blocker / "bilans")])
    err = capsys.readouterr().err
    assert info.value.code == 4
    # Issue #15: the message names what to fix — the file standing where a folder is needed.
    assert err.startswith(
        f"Erreur : écriture impossible dans {blocker} (un fichier occupe la place d'un dossier)"
    )
    assert "Traceback" not in err


def test_a_document_that_cannot_be_written_is_a_french_error(report_inputs, tmp_path):
    from cmacop.compute.outputs import OutputError
    from cmacop.render import render_report

    (tmp_path / "com").write_text("un fichier à la place du dossier", encoding="utf-8")
    # Issue #15: the folder to fix is named (here the file standing where « com/ » should be).
    with pytest.raises(
        OutputError,
        match=r"écriture impossible dans .*/com \(un fichier existe déjà à cet emplacement\)",
    ):
        render_report(report_inputs, out_dir=tmp_path, generated_on=DAY, formats="md")


def test_indicator_weights_reach_the_bilan(consolidated_campaign, tmp_path):
    result = build_report(
        2024,
        store=consolidated_campaign / "consolidation",
        out_dir=tmp_path,
        chambers=[],
        formats="md",
        generated_on=DAY,
        settings=Settings(
            rules=Decisions(modulation={"poids_indicateurs": Decided({"I1.1": 2}, "Bureau")})
        ),
    )
    text = result.documents[0].path.read_text(encoding="utf-8")
    assert (
        "**Poids des indicateurs dans les moyennes**\u00a0: I1.1\u00a0: 2 (les autres\u00a0: 1)"
        " — décision\u00a0: Bureau." in text
    )
