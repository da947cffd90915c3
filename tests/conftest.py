"""Shared fixtures (the hand-drawn network tests/data/tiny and fresh copies of it) and the
hypothesis profile."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI included): a failure is reproducible and
# a pass is not luck. `pytest --hypothesis-profile=explore` draws fresh random examples.
settings.register_profile("default", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile("default")

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
