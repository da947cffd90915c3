"""Where the tests find their data: inside the repository only."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
VALIDATION = DATA / "validation"
REGION = ROOT / "network_data" / "chuannan_yuxi"
SCENARIOS = ROOT / "scenarios"
