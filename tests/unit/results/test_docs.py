"""docs/outputs.md is generated from the declarations and kept current."""

from __future__ import annotations

from dataclasses import replace

import pytest

from freight.results import declared as d
from tools import gen_docs

OUTPUTS = next(s for s in gen_docs.STEPS if s.name == "outputs")


def test_outputs_doc_is_current() -> None:
    """The committed docs/outputs.md is what `python -m tools.gen_docs outputs` writes."""
    assert gen_docs.stale([OUTPUTS]) == [], "run: python -m tools.gen_docs outputs"


def test_outputs_doc_lists_every_column_with_its_unit() -> None:
    """Every declared column of every table appears in the document with its unit."""
    text = OUTPUTS.render()
    for t in [t for k in d.RESULT_KINDS for t in k.tables] + list(d.SINGLE_FILES):
        assert f"### `{t.file}`" in text
        for c in t.columns:
            assert f"| `{c.name}` | {c.type} | {c.unit} |" in text, (t.file, c.name)


def test_a_new_declaration_makes_the_doc_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declaring another column changes the rendered document, so the check above would fail."""
    extra = d.Column("speed_kmh", "float", "km/h", "average speed")
    changed = replace(d.MODE_SUMMARY, columns=(*d.MODE_SUMMARY.columns, extra))
    run = replace(d.RUN, tables=tuple(changed if t is d.MODE_SUMMARY else t for t in d.RUN.tables))
    monkeypatch.setattr(d, "RESULT_KINDS", (run, *d.RESULT_KINDS[1:]))
    assert gen_docs.stale([OUTPUTS]) == [OUTPUTS]
    assert "| `speed_kmh` | float | km/h | average speed |" in OUTPUTS.render()


def test_check_mode_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    """--check exits 0 on current documents and 1 when one is stale; unknown names exit 2."""
    assert gen_docs.main(["outputs", "--check"]) == 0
    monkeypatch.setattr(gen_docs, "STEPS", (replace(OUTPUTS, render=lambda: "changed\n"),))
    assert gen_docs.main(["outputs", "--check"]) == 1
    with pytest.raises(SystemExit, match="2"):
        gen_docs.main(["nonsense"])
