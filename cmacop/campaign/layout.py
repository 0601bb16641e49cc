"""The names of a campaign folder, once: every default folder, reference file and output name.

``cmacop.toml`` may move the folders (``[campagne]``) and the reference files
(``[referentiel]``); outside a campaign, the commands use these defaults beside the
consolidation folder. What cmacop writes next to a chamber's file (its annotated copy and
its receipt) is named with the suffixes below.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "cmacop.toml"

# Folders of a campaign (``[campagne]`` of cmacop.toml).
DEPOSIT_DIR = "depot"
FEEDBACK_DIR = "retours"
STORE_DIR = "consolidation"
REPORTS_DIR = "bilans"
LOG_DIR = "journal"
REFERENCE_DIR = "referentiel"
RESULTS_DIR = "resultats"  # machine files of « cmacop compute » outside the bilans

# Reference files (``[referentiel]``), in REFERENCE_DIR.
TARGETS_FILE = "cibles_com.csv"
KEY_FILE = "cle_repartition.csv"
JUSTIFICATIONS_FILE = "justifications.csv"  # warnings explained once (chambre,annee,…)
BASE_PATTERN = "tfcma_{annee_taxe}.csv"  # {annee_taxe} = results year + 1
CONTACTS_FILE = "contacts.csv"  # chambre,courriel: who receives the receipts and reminders
RECEPTIONS_FILE = "receptions.csv"  # fichier,recu_le: dates of receipt recorded by hand
# The bilan's own reference files (cop/followup.py), all optional.
CALENDAR_FILE = "calendrier_bilan.csv"  # dates of bureau élargi, commission, AG, minister
FOLLOW_UP_FILE = "suivi_jalons.csv"  # where each commitment of the contract stands
SIGNATURES_FILE = "signatures_com.csv"  # when each CMAR signed its COM
APPRECIATIONS_FILE = "appreciations_prefet.csv"  # the préfet's appreciation of a bilan de COM

# Formats of the bilans (``cmacop report --format``, ``[bilans] formats``); pdf needs the
# optional extra ``cmacop[pdf]`` (WeasyPrint).
REPORT_FORMATS = ("md", "html", "xlsx", "pdf")
DEFAULT_REPORT_FORMATS = "md,html,xlsx"
RULES_FILE = "regles.toml"  # CMA France's decisions where the contract leaves the choice
AVENANTS_DIR = "avenants"  # one TOML file per avenant to the COP

# The consolidation store: one Parquet partition per table and year, and its lock.
DATA, DEPOSITS, FINDINGS, AUDIT = "donnees", "depots", "constats", "audit"
STORE_LOCK = ".cmacop.lock"

# « cmacop run »: its lock (campaign folder), its manifest (store folder), its journal.
RUN_LOCK = ".cmacop-run.lock"
RUN_MANIFEST = ".cmacop-run.json"
LOG_FILE = "cmacop.log"
RUN_RECORD = "derniere_execution.json"  # the last run's record, beside the journal
DASHBOARD_FILE = "tableau_de_bord.html"  # rewritten by each run at the campaign's root
RUN_HISTORY = "passages.json"  # the last runs, beside the journal
MAIL_JOURNAL = "courriels.json"  # the emails sent (or waiting), beside the journal

# Written beside a chamber's file in retours/<année>/.
FEEDBACK_SUFFIX = "_controle.xlsx"  # the annotated copy
RECEIPT_SUFFIX = "_accuse.txt"  # the accusé de réception


def base_file_name(results_year: int) -> str:
    """``tfcma_<N+1>.csv``: the TFCMA base of the tax year that results of N modulate."""
    return BASE_PATTERN.format(annee_taxe=results_year + 1)


def beside_store(store: str | Path, *parts: str) -> Path:
    """A default path of the campaign a store folder belongs to (its parent folder)."""
    return Path(store).parent.joinpath(*parts)
