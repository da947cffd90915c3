"""Shared fixtures: the hand-drawn network tests/data/tiny and fresh copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture
def tiny_path() -> Path:
    """Path of the valid hand-drawn network folder tests/data/tiny (read only)."""
    return TINY


@pytest.fixture
def copy_tiny(tmp_path: Path) -> Callable[..., Path]:
    """A function ``copy_tiny(name="tiny") -> Path`` copying tests/data/tiny into tmp_path/name."""

    def copy(name: str = "tiny") -> Path:
        return Path(shutil.copytree(TINY, tmp_path / name))

    return copy
