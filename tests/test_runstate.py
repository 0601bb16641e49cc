"""The run manifest: written directly, in the format ``json.dumps(asdict(…), indent=1)`` gives."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from cmacop.run.state import FORMAT_VERSION, FileState, ReportState, RunState


def _reference_json(state: RunState) -> str:
    """The manifest as ``dataclasses.asdict`` and ``json.dumps`` wrote it (format version 1)."""
    data = {
        "version": FORMAT_VERSION,
        "fichiers": {k: asdict(v) for k, v in sorted(state.files.items())},
        "bilans": {str(k): asdict(v) for k, v in sorted(state.reports.items())},
        "derniere_execution": state.last_run,
        "exports_a_refaire": sorted(state.stale_exports),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _file(n: int, **changes: object) -> FileState:
    values: dict[str, object] = {
        "size": 13_533 + n,
        "mtime_ns": 1_732_000_000_123_456_789 + n,
        "sha256": f"{n:064x}",
        "year": 2024,
        "chamber": "CMAR-84",
        "outcome": "remplaçant",
        "errors": 0,
        "warnings": 3,
        "received": "2025-03-03T02:00:01+00:00",
        "sent_on": "2025-02-15",
        "feedback": f"retours/2024/COM_2024_CMAR-84_v{n}_controle.xlsx",
        "receipt": f"retours/2024/COM_2024_CMAR-84_v{n}_accuse.txt",
    }
    values.update(changes)
    return FileState(**values)  # type: ignore[arg-type]


def _state() -> RunState:
    state = RunState()
    state.files["2024/COM_2024_CMAR-84.xlsx"] = _file(1)
    state.files['2023/Bilan « CMA » été\u00a0"2023"\\.csv'] = _file(
        2, chamber=None, outcome="rejeté", errors=4, sent_on=None, feedback=None
    )
    state.files["2024/\u2028ligne\x1f.xlsx"] = _file(3, chamber="CM-ALSACE")
    state.reports[2024] = ReportState("ab" * 32, ["bilans/2024/bilan_cop_2024.md"], "2025-06-15")
    state.reports[2023] = ReportState("cd" * 32)
    state.last_run = {
        "debut": "2025-03-03T02:00:00+00:00",
        "fin": "2025-03-03T02:00:30+00:00",
        "traites": 3,
        "rejetes": 1,
        "code_sortie": 1,
    }
    state.stale_exports = [2023, 2025]
    return state


def test_the_manifest_keeps_its_format(tmp_path: Path) -> None:
    for state in (RunState(), _state()):
        assert state.to_json() == _reference_json(state)
        path = tmp_path / "manifeste.json"
        state.save(path)
        assert path.read_text(encoding="utf-8") == _reference_json(state)
        again = RunState.load(path)
        assert again == state and not again.damaged
        assert again.to_json() == state.to_json()


def test_unusual_values_are_written_as_json_writes_them() -> None:
    state = _state()
    state.files["odd"] = _file(4, errors=True, warnings=2.5, year=[2024, {"a": None}], size={})
    state.last_run = {"liste": [1, [2, {}], []], "vide": {}, "nan": float("nan"), "oui": False}
    assert state.to_json() == _reference_json(state)


def test_an_entry_changed_between_two_saves_is_written_again(tmp_path: Path) -> None:
    state = _state()
    path = tmp_path / "manifeste.json"
    state.save(path)
    entry = state.files["2024/COM_2024_CMAR-84.xlsx"]
    entry.size, entry.mtime_ns = -1, -1
    entry.errors = True  # type: ignore[assignment]  # equal to 1, printed otherwise
    state.files["2024/COM_2024_CMAR-84.xlsx"] = entry
    del state.files["2024/\u2028ligne\x1f.xlsx"]
    state.files["2025/COM_2025_CMAR-84.xlsx"] = _file(5, year=2025)
    state.save(path)
    assert path.read_text(encoding="utf-8") == _reference_json(state)
    entry.errors = 1
    assert state.to_json() == _reference_json(state)
    assert RunState.load(path).files["2024/COM_2024_CMAR-84.xlsx"].size == -1
