"""Shared fixtures: the shipped catalogue and registry, and filled templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmacop.catalogue import Catalogue, load_catalogue
from cmacop.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture
def catalogue_text() -> str:
    """The shipped catalogue file's text, to derive variants (avenants, broken files)."""
    return (ROOT / "schemas" / "catalogue_cop_2023_2027.toml").read_text(encoding="utf-8")
