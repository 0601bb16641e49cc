"""The accusé de réception ``<fichier>_accuse.txt`` written beside each feedback workbook.

A short French text a chamber reads in Notepad: what was received and when, its
SHA-256, accepted or rejected with the counts, and what to do next. UTF-8 with
a BOM and Windows line ends, so that every Windows editor shows the accents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cmacop import __version__
from cmacop.campaign.layout import FEEDBACK_SUFFIX, RECEIPT_SUFFIX
from cmacop.campaign.statuses import NOT_RECORDED, REJECTED, REPLACED
from cmacop.french import fmt_date, plural, safe_text
from cmacop.validate.findings import counts_text


def receipt_path(feedback: Path) -> Path:
    """``…/COM_2024_CMAR-84_controle.xlsx`` → ``…/COM_2024_CMAR-84_accuse.txt``."""
    return feedback.with_name(feedback.name.removesuffix(FEEDBACK_SUFFIX) + RECEIPT_SUFFIX)


@dataclass(frozen=True)
class Receipt:
    """What the accusé says about one file."""

    name: str  # the file's name
    where: str  # its path in the campaign folder (depot/2024/…)
    year: int
    received: datetime  # date of receipt: when the file appeared in the deposit folder
    sha256: str | None
    chamber: str | None
    chamber_name: str | None
    sent_on: date | None
    deadline: date
    outcome: str  # ajouté, remplaçant, inchangé or rejeté
    errors: int
    warnings: int  # still open
    feedback: str | None  # file name of the annotated workbook
    replaced: str | None = None  # file this one replaces
    kept: str | None = None  # rejected: the accepted file that stays in force
    drop_folder: str = "depot"
    justified: int = 0  # warnings explained in referentiel/justifications.csv
    checked: datetime | None = None  # the run that checked it (default: date of receipt)
    recorded: bool = False  # the date of receipt comes from referentiel.receptions
    # The stem of the returned files, when the file's own name could not be used.
    output_stem: str | None = None
    # Not recorded (« non traité »): why, in the words the chamber needs.
    problem: str | None = None
    # Deposited in ``chamber``'s folder, the file declares this other chamber (E-IDENT-007).
    declared: str | None = None


def _when(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{fmt_date(local)} à {local:%H:%M}"


def receipt_text(r: Receipt) -> str:
    """The accusé's text (``\\n`` line ends; :func:`receipt_bytes` gives the file)."""
    title = f"Accusé de réception — bilan de COM {r.year} (COP 2023-2027)"
    who = "non indiquée dans le fichier"
    if r.chamber:
        who = f"{r.chamber} — {r.chamber_name}" if r.chamber_name else r.chamber
    if r.declared:
        who += f" (dossier de dépôt) ; le fichier déclare {r.declared}"
    sent = (
        f"{fmt_date(r.sent_on)} (déclarée dans le fichier)"
        if r.sent_on is not None
        else "non indiquée dans le fichier"
    )
    arrived = (
        "date enregistrée par l'équipe de campagne"
        if r.recorded
        else f"date du fichier à son arrivée dans {r.drop_folder}/"
    )
    day = r.received.astimezone().date()
    late = day > r.deadline
    if r.outcome == REJECTED:  # a rejected file counts for nothing: only say if it was late
        timely = " : dépassée" if late else ""
    else:
        timely = " : HORS DÉLAI (reçu après la date limite)" if late else " : respectée"
    lines = [
        title,
        "=" * len(title),
        "",
        f"Fichier reçu         : {safe_text(r.name)}",
        f"Emplacement          : {safe_text(r.where)}",
        f"Reçu le              : {_when(r.received)} ({arrived})",
        f"Contrôlé le          : {_when(r.checked or r.received)} (passage de cmacop)",
        f"Empreinte SHA-256    : {r.sha256 or 'non calculée (fichier illisible)'}",
        f"Chambre              : {who}",
        f"Date de transmission : {sent}",
        f"Date limite          : {fmt_date(r.deadline)}{timely}",
        *_renamed(r),
        "",
        f"Résultat : {_verdict(r)}",
        *(
            [f"Constats : {counts_text(r.errors, r.warnings)}" + _justified(r.justified)]
            if r.outcome != NOT_RECORDED
            else []
        ),
        "",
        "Suite à donner :",
        *(f"  {line}" for line in _next_steps(r)),
        "",
    ]
    if r.feedback and r.outcome != NOT_RECORDED:
        lines.append(f"Détail des constats : {r.feedback} (dans ce même dossier).")
    lines.append(
        f"Message établi automatiquement par cmacop {__version__} ; aucune réponse n'est attendue."
    )
    return "\n".join(lines) + "\n"


def receipt_bytes(r: Receipt) -> bytes:
    return receipt_text(r).replace("\n", "\r\n").encode("utf-8-sig")


def _renamed(r: Receipt) -> list[str]:
    """A line when the returned files could not take the deposited file's name."""
    if r.output_stem is None or r.output_stem == Path(r.name).stem:
        return []
    return [
        f"Fichiers renvoyés    : {r.output_stem}{FEEDBACK_SUFFIX} et {r.output_stem}"
        f"{RECEIPT_SUFFIX} (nom du fichier reçu trop long ou contenant des caractères "
        "non admis : il a été raccourci ou corrigé pour les fichiers renvoyés)"
    ]


def _verdict(r: Receipt) -> str:
    if r.declared:
        return (
            f"REJETÉ : ce fichier déclare la chambre {r.declared} mais a été déposé dans le "
            f"dossier de {r.chamber} ; il n'est pas pris en compte."
        )
    if r.outcome == NOT_RECORDED:
        return "REÇU, PAS ENCORE CONTRÔLÉ : ce fichier n'est pas encore pris en compte."
    if r.outcome == REJECTED:
        return "REJETÉ : ce fichier n'est pas pris en compte dans la consolidation."
    if r.outcome == REPLACED:
        kept = f" ({r.kept})" if r.kept else ""
        return (
            f"NON RETENU : la version en vigueur{kept} porte une date de transmission plus "
            "récente ; ce fichier, plus ancien, ne la remplace pas."
        )
    if r.outcome == "remplaçant" and r.replaced:
        return f"ACCEPTÉ : ce fichier remplace {r.replaced} dans la consolidation."
    if r.outcome == "inchangé":
        return "ACCEPTÉ : contenu identique au bilan déjà enregistré, rien ne change."
    return "ACCEPTÉ : le bilan est enregistré dans la consolidation."


def _next_steps(r: Receipt) -> list[str]:
    folder = f"{r.drop_folder}/{r.year}/"
    if r.declared:
        return [
            f"Si ce bilan est celui de {r.chamber}, corrigez le code de la chambre dans la",
            f"feuille « Identification », puis déposez-le de nouveau dans {folder}{r.chamber}/.",
            "Une chambre ne dépose que son propre bilan, dans son propre dossier.",
        ]
    if r.outcome == NOT_RECORDED:
        return [
            "Rien de votre côté : le classeur de contrôle n'a pas pu être écrit sur le",
            f"lecteur partagé ({r.problem or 'problème de lecteur'}).",
            "L'administrateur du lecteur en est averti ; le fichier sera contrôlé au",
            "prochain passage, et cet accusé remplacé.",
        ]
    if r.outcome == REPLACED:
        return [
            "Si ce fichier est bien la version à retenir, corrigez sa date de transmission",
            f"(feuille « Identification ») et déposez-le à nouveau dans {folder}.",
            "Sinon, rien à faire.",
        ]
    if r.outcome == REJECTED:
        if r.errors:
            steps = [
                f"Corrigez {_the(r.errors, 'erreur signalée', 'erreurs signalées')} "
                "(cellules en rouge ; liste complète dans la feuille « Contrôles » du classeur "
                "de contrôle),",
                f"puis déposez le fichier corrigé dans {folder} : il sera contrôlé au prochain "
                "passage.",
            ]
        else:
            steps = [
                f"Vérifiez l'année ({r.year} attendue) et le code de la chambre dans la feuille",
                f"« Identification », puis déposez le fichier corrigé dans {folder}.",
            ]
        if r.kept:
            steps.append(f"Le bilan accepté précédemment ({r.kept}) reste celui pris en compte.")
        return steps
    if r.warnings:
        return [
            f"Vérifiez {_the(r.warnings, 'avertissement', 'avertissements')} (cellules en orange "
            "du classeur de contrôle).",
            "Si une valeur est à corriger ou un écart à expliquer, déposez le fichier corrigé",
            f"dans {folder} : il remplacera celui-ci. Sinon, rien à faire.",
        ]
    return ["Rien : aucune anomalie détectée."]


def _the(n: int, one: str, many: str) -> str:
    """``l'erreur signalée`` or ``les 3 erreurs signalées``."""
    return f"l'{one}" if n == 1 else f"les {n} {many}"


def _justified(n: int) -> str:
    """`` (et 2 avertissements justifiés)``: explained warnings, no longer to look at."""
    if not n:
        return ""
    return f" (et {plural(n, 'avertissement justifié', 'avertissements justifiés')})"
