"""Errors raised by the library: one boundary, stable codes, French messages.

The library never prints nor exits; ``cmacop.cli`` turns a :class:`CmacopError` into
a message on stderr and an exit code. What the system and the libraries say in
English (``No space left on device``, ``Invalid value (at line 8, column 11)``,
polars' ``ComputeError``) is translated here, once: a cause in French, the folder
concerned and the hint that matches the cause (:func:`os_error_text`,
:func:`os_error_hint`, :func:`folder_error`, :func:`toml_error_text`,
:func:`library_error_text`, :func:`boundary_error`). Standard library only: every
stage imports this module.
"""

from __future__ import annotations

import errno
import os
import re
import tomllib
from pathlib import Path


class CmacopError(Exception):
    """Base of every error cmacop reports to a user (message in French).

    ``folder``: the folder the message names, when a folder is to be fixed or freed.
    """

    code = "E-CMACOP"
    exit_code = 1
    folder: str | None = None
    default_hint: str | None = None  # what to do, when the raiser has nothing more precise

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class DataFileError(CmacopError):
    """A domain data file (catalogue, registry, targets, key, base) is unusable."""

    code = "E-DONNEES"
    exit_code = 4
    default_hint = (
        "Corrigez ce fichier à l'endroit indiqué (ligne, colonne), enregistrez-le, puis "
        "relancez la commande."
    )


class UsageError(CmacopError):
    """Options or arguments that do not make sense together."""

    code = "E-USAGE"
    exit_code = 2


class InputFileError(CmacopError):
    """A submission file cannot be read at all."""

    code = "E-FICHIER"
    exit_code = 1


class FileSystemError(CmacopError):
    """The system refused an operation on a folder or file (rights, full or read-only disk…)."""

    code = "E-SYSTEME"
    exit_code = 4


# --------------------------------------------------------------------------- system errors

# The cause, in French, of each system error cmacop may meet on a shared drive.
_CAUSES = {
    errno.ENOSPC: "plus de place sur le disque",
    errno.EDQUOT: "quota d'espace disque dépassé",
    errno.EACCES: "droits insuffisants",
    errno.EPERM: "droits insuffisants",
    errno.EROFS: "partage en lecture seule",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un fichier occupe la place d'un dossier",
    errno.EISDIR: "un dossier occupe la place d'un fichier",
    errno.EEXIST: "un fichier existe déjà à cet emplacement",
    errno.ENOTEMPTY: "dossier non vide",
    errno.EIO: "erreur d'entrée-sortie du lecteur",
    errno.ESTALE: "partage réseau remonté pendant l'opération",
    errno.ENOTCONN: "partage réseau déconnecté",
    errno.ETIMEDOUT: "partage réseau injoignable (délai dépassé)",
    errno.EHOSTDOWN: "serveur du partage injoignable",
    errno.EHOSTUNREACH: "serveur du partage injoignable",
    errno.ENETDOWN: "réseau indisponible",
    errno.ENETUNREACH: "réseau indisponible",
    errno.ECONNRESET: "connexion au partage interrompue",
    errno.ECONNABORTED: "connexion au partage interrompue",
    errno.EMFILE: "trop de fichiers ouverts",
    errno.ENFILE: "trop de fichiers ouverts sur le système",
    errno.ENOMEM: "mémoire insuffisante",
    errno.EBUSY: "fichier ou dossier utilisé par un autre programme",
    errno.ETXTBSY: "fichier utilisé par un autre programme",
    errno.EFBIG: "fichier trop gros pour le lecteur",
    errno.ELOOP: "liens symboliques en boucle",
    errno.EXDEV: "déplacement entre deux lecteurs différents",
    errno.EINVAL: "nom ou opération refusé par le lecteur",
    errno.EAGAIN: "ressource momentanément indisponible",
    errno.EMLINK: "trop de liens vers ce fichier ou dossier",
}
_SPACE = (errno.ENOSPC, errno.EDQUOT)
_RIGHTS = (errno.EACCES, errno.EPERM)
_NETWORK = (
    errno.EIO,
    errno.ESTALE,
    errno.ENOTCONN,
    errno.ETIMEDOUT,
    errno.EHOSTDOWN,
    errno.EHOSTUNREACH,
    errno.ENETDOWN,
    errno.ENETUNREACH,
    errno.ECONNRESET,
    errno.ECONNABORTED,
)
# Errors that can only come from writing: the message says « écriture impossible ».
WRITE_ERRNOS = frozenset((*_SPACE, errno.EROFS, errno.EFBIG))


def os_error_text(exc: OSError | int | None) -> str:
    """A system error's cause in French (the system's own text is English)."""
    number = exc.errno if isinstance(exc, OSError) else exc
    if number is None and isinstance(exc, OSError):
        return _library_os_text(exc)
    cause = _CAUSES.get(number or 0)
    if cause is not None:
        return cause
    name = errno.errorcode.get(number or 0)
    return f"erreur système {name}" if name else "erreur système inconnue"


def _library_os_text(exc: OSError) -> str:
    """An ``OSError`` raised without errno (pyarrow, openpyxl, zipfile…)."""
    return library_error_text(exc, os_error=False) or "erreur d'entrée-sortie"


def _user() -> str:
    """The account cmacop runs as: the one to give rights to."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # no account name at all (container without passwd entry)
            return "qui lance cmacop"


def os_error_hint(exc: OSError | int | None, folder: str, *, writing: bool | None = True) -> str:
    """What to do about a system error on ``folder``: the hint that matches its cause.

    ``writing``: True when cmacop was writing there, False reading, None not known.
    """
    number = exc.errno if isinstance(exc, OSError) else exc
    if number == errno.ENOSPC:
        return f"Libérez de la place sur le lecteur qui porte {folder} (ou agrandissez-le)."
    if number == errno.EDQUOT:
        return (
            f"Le quota de l'utilisateur {_user()} est atteint sur le lecteur qui porte "
            f"{folder} : libérez de la place ou faites relever ce quota."
        )
    if number in _RIGHTS:
        right = _by_direction(writing, "d'écrire dans", "de lire", "de lire et d'écrire dans")
        return f"Donnez à l'utilisateur {_user()} le droit {right} {folder}."
    if number == errno.EROFS:
        return (
            f"Le partage qui porte {folder} est monté en lecture seule : remontez-le en "
            "lecture-écriture, ou désignez un autre dossier dans cmacop.toml ([campagne])."
        )
    if number == errno.ENAMETOOLONG:
        return (
            f"Le chemin de {folder} est trop long pour le lecteur : raccourcissez le nom du "
            "dossier de campagne ou de ses sous-dossiers."
        )
    if number == errno.ENOENT:
        return (
            f"Vérifiez que {folder} existe et que le partage est monté, ou corrigez le "
            "chemin dans cmacop.toml."
        )
    if number in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY):
        return (
            f"Dans {folder}, un fichier porte le nom d'un dossier attendu (ou l'inverse) : "
            "renommez-le ou déplacez-le."
        )
    if number in _NETWORK:
        return f"Vérifiez le montage du partage qui porte {folder} et le réseau."
    if number in (errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN):
        return (
            "Ressource du serveur épuisée : relancez ; si cela se répète, prévenez l'exploitation."
        )
    if number in (errno.EBUSY, errno.ETXTBSY):
        return f"Fermez le programme qui utilise {folder}."
    if number == errno.EINVAL:
        return (
            f"Le lecteur qui porte {folder} refuse ce nom ou cette opération : vérifiez le partage."
        )
    return f"Vérifiez le lecteur qui porte {folder}."


def _by_direction(writing: bool | None, write: str, read: str, unknown: str) -> str:
    if writing is None:
        return unknown
    return write if writing else read


def failed_folder(exc: OSError) -> Path | None:
    """The folder to fix: the one the error names, or the folder of the file it names; for
    « not a directory », the file that stands where a folder is expected."""
    if exc.filename is None:
        return None
    path = Path(os.fsdecode(exc.filename))
    if exc.errno == errno.ENOTDIR:
        for candidate in (*reversed(path.parents), path):
            if candidate.exists() and not candidate.is_dir():
                return candidate
    if path.is_dir():
        return path
    return path.parent


def folder_error(
    exc: OSError,
    *,
    folder: str | None = None,
    what: str | None = None,
    writing: bool | None = True,
    cls: type[CmacopError] = FileSystemError,
    then: str = "",
    label: str = "",
) -> CmacopError:
    """A French error for a system refusal on ``folder`` (default: the one ``exc`` names).

    ``what`` names what was being done (« écriture ») for the message's start;
    ``label`` what the folder is (« le journal »); ``then`` is added to the hint.
    """
    if folder is None:
        found = failed_folder(exc)
        folder = str(found) if found is not None else "le dossier de travail"
    cause = os_error_text(exc)
    if exc.errno in WRITE_ERRNOS:
        writing = True
    if what is None:
        what = _by_direction(writing, "écriture", "lecture", "accès")
    verb = _by_direction(writing, "dans", "de", "à")
    place = f"{label} {folder}" if label else folder
    message = f"{what} impossible {verb} {place} ({cause})"
    hint = os_error_hint(exc, folder, writing=writing)
    if then:
        hint = f"{hint} {then}"
    error = cls(message, hint=hint)
    error.folder = folder
    return error


# --------------------------------------------------------------------------- TOML

# What Python's TOML parser says (tomllib, English), in French: exact messages, then prefixes.
_TOML_MESSAGES = {
    "Invalid statement": "ligne invalide (ni « clé = valeur », ni [section])",
    "Invalid value": "valeur invalide (un texte s'écrit entre guillemets droits)",
    "Cannot overwrite a value": "clé ou section définie deux fois",
    "Expected '=' after a key in a key/value pair": "« = » attendu après la clé",
    "Expected ']' at the end of a table declaration": "« ] » attendu à la fin du nom de section",
    "Expected ']]' at the end of an array declaration": "« ]] » attendu à la fin du nom de section",
    "Expected newline or end of document after a statement": (
        "fin de ligne attendue après la valeur (une seule « clé = valeur » par ligne)"
    ),
    "Invalid initial character for a key part": "caractère invalide au début d'une clé",
    "Unclosed array": "liste [ … ] non fermée",
    "Unclosed inline table": "table { … } non fermée (tout sur une ligne, sans virgule finale)",
    "Unterminated string": "texte non fermé (guillemet manquant)",
    "Unescaped '\\' in a string": "barre oblique inverse « \\ » à doubler dans un texte",
    "Invalid hex value": "code de caractère invalide dans un texte",
    "Escaped character is not a Unicode scalar value": "code de caractère invalide dans un texte",
    "Invalid date or datetime": "date invalide (attendu : AAAA-MM-JJ)",
    "Illegal character '\\n'": "texte non fermé sur sa ligne (guillemet manquant)",
}
_TOML_PREFIXES = (
    ("Cannot declare ", "section déclarée deux fois"),
    ("Cannot mutate immutable namespace ", "section déjà fermée redéfinie"),
    ("Cannot redefine namespace ", "section redéfinie"),
    ("Duplicate inline table key ", "clé en double dans une table { … }"),
    ("Found invalid character ", "caractère invalide"),
    ("Illegal character ", "caractère interdit"),
    ("Expected ", "caractère attendu manquant"),
)
_TOML_WHERE = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def toml_error_text(exc: tomllib.TOMLDecodeError) -> str:
    """A TOML syntax error in French, with where it is: « ligne 8, colonne 11 : … »."""
    text = str(exc)
    msg = getattr(exc, "msg", None)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if msg is None or line is None:  # Python < 3.14: everything is in the message
        found = _TOML_WHERE.match(text)
        msg = found["msg"] if found else text
        line = int(found["line"]) if found and found["line"] else None
        col = int(found["col"]) if found and found["col"] else None
        at_end = bool(found) and line is None
    else:
        at_end = False
    french = _TOML_MESSAGES.get(msg)
    if french is None:
        french = next((fr for en, fr in _TOML_PREFIXES if msg.startswith(en)), None)
        french = french or f"syntaxe TOML invalide ({msg})"
    if line is not None:
        return f"ligne {line}, colonne {col} : {french}"
    return f"à la fin du fichier : {french}" if at_end else french


# --------------------------------------------------------------------------- libraries


_OS_ERROR = re.compile(r"\(os error (\d+)\)")


def library_error_text(exc: BaseException, *, os_error: bool = True) -> str | None:
    """The cause of a failure of the standard library, polars, pyarrow or openpyxl, in
    French; None when it is not one cmacop knows (an internal error, then)."""
    import zipfile

    if os_error and isinstance(exc, OSError) and exc.errno is not None:
        return os_error_text(exc)
    if isinstance(exc, tomllib.TOMLDecodeError):
        return toml_error_text(exc)
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"encodage illisible : octet 0x{exc.object[exc.start]:02x} à la position "
            f"{exc.start} (texte UTF-8 attendu)"
        )
    if isinstance(exc, zipfile.BadZipFile):
        return "archive endommagée ou tronquée (pas un classeur Excel valide)"
    if isinstance(exc, MemoryError):
        return "mémoire insuffisante"
    if isinstance(exc, EOFError):
        return "fichier tronqué"
    position = getattr(exc, "position", None)  # xml.etree ParseError: (line, column)
    if type(exc).__name__ in ("ParseError", "ExpatError"):
        if isinstance(position, tuple) and len(position) == 2:
            return f"XML illisible, ligne {position[0]}, colonne {position[1] + 1}"
        return "XML illisible"
    module, name = type(exc).__module__ or "", type(exc).__name__
    text = str(exc).lower()
    if module.startswith(("polars", "pyarrow")):
        # Rust and Arrow I/O errors carry the system's errno: « … (os error 28) ».
        found = _OS_ERROR.search(text)
        if found is not None:
            return os_error_text(int(found.group(1)))
    if module.startswith("polars"):
        if name == "ComputeError" and any(
            word in text for word in ("parquet", "thrift", "specification", "eof", "magic")
        ):
            return "fichier Parquet endommagé ou tronqué"
        if name in ("SchemaError", "ColumnNotFoundError", "SchemaFieldNotFoundError"):
            return "colonnes inattendues dans un fichier de données"
        return None
    if module.startswith("pyarrow"):
        if name in ("ArrowInvalid", "ArrowIOError"):
            return "fichier Parquet endommagé ou tronqué"
        return None
    if module.startswith("openpyxl"):
        return "classeur Excel illisible (format non reconnu ou endommagé)"
    if module.startswith(("xml.", "defusedxml")):
        return "contenu XML endommagé"
    if module == "_csv" or (module == "csv" and name == "Error"):
        return _csv_cause(str(exc))
    return None


def _csv_cause(text: str) -> str:
    """Python's csv module's complaint, in French."""
    if "field larger than field limit" in text:
        return "champ anormalement long"
    if "NUL" in text:
        return "caractère nul dans le fichier (ce n'est pas un texte)"
    if "new-line character" in text:
        return "retour à la ligne dans un champ sans guillemets"
    return "guillemets ou séparateurs incohérents"


def boundary_error(exc: BaseException) -> CmacopError | None:
    """An error that escaped the library, as a French :class:`CmacopError`; None when it is
    an internal error (a bug: exit code 70)."""
    if isinstance(exc, CmacopError):
        return exc
    if isinstance(exc, OSError) and exc.errno is not None:
        return folder_error(exc, writing=None)
    cause = library_error_text(exc)
    if cause is None:
        return None
    return FileSystemError(
        f"opération impossible ({cause})",
        hint="Relancez avec --debug pour voir quel fichier est en cause.",
    )
