"""`freight report`: one self-contained HTML file of a run, a comparison and an appraisal of the
tiny network, rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cli import main
from freight.errors import DataError
from freight.report import render_report

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "data" / "tiny"
SC = ROOT / "tests" / "data" / "scenarios"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A run, a comparison (base vs plan) and an appraisal (plan) of the tiny network. The run and
    the comparison name --method mcf: test_report_has_the_known_numbers asserts the linear model's
    hand-computed W_PQ +50 t (the default is the behavioural logit); the appraisal keeps it."""
    d = tmp_path_factory.mktemp("report")
    mcf = ["--method", "mcf"]
    assert main(["run", str(SC / "base.toml"), "--out", str(d / "run"), *mcf]) == 0
    assert main(["compare", str(SC / "base.toml"), str(SC / "plan.toml"), "--out", str(d / "c"),
                 *mcf]) == 0  # fmt: skip
    assert main(["appraise", str(SC / "plan.toml"), "--out", str(d / "a")]) == 0
    return [d / "run", d / "c", d / "a"]


@pytest.fixture(scope="module")
def report(folders: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the three folders, written by the command line."""
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", *map(str, folders), "--out", str(out), "--title", "Tiny report"]) == 0
    return out


class _Refs(HTMLParser):
    """Every URL an element of the page refers to (src, href, srcset, link, script)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "data", "poster") and v:
                self.urls.append(v)


def test_report_is_self_contained(report: Path) -> None:
    """No script, no stylesheet link, no URL but data: images; CSS inline in <style>."""
    text = report.read_text(encoding="utf-8")
    p = _Refs()
    p.feed(text)
    assert "script" not in p.tags and "link" not in p.tags and "style" in p.tags
    assert p.urls and all(u.startswith("data:image/png;base64,") for u in p.urls)
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org)", text)


def test_report_has_the_known_numbers(report: Path) -> None:
    """KPIs of the base (demand 110 t), the comparison's W_PQ +50 t and the appraisal's ranking."""
    text = report.read_text(encoding="utf-8")
    assert "<title>Tiny report</title>" in text
    kpis = text[text.index('id="kpis"') :]
    assert re.search(r"<td>demand</td><td class=\"num\">110</td><td>t/yr</td>", kpis)
    changes = text[text.index('id="changes"') :]
    assert re.search(r"<td>W_PQ</td>.*?<td class=\"num\">50</td></tr>", changes, re.S)
    ranking = text[text.index('id="ranking"') :]
    assert "P_WCAP" in ranking and "P_YARD" in ranking and "npv_cny" in ranking and "irr" in ranking
    assert text.count("<img ") == 2  # run map and comparison map


def test_unreported_folder_is_an_error(tmp_path: Path) -> None:
    """A folder that is not a result folder is refused with a DataError (exit 2)."""
    with pytest.raises(DataError, match="result folder"):
        render_report([tmp_path])
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "r.html")]) == 2


def test_validation_summary_when_the_run_has_one(folders: list[Path], tmp_path: Path) -> None:
    """A run folder with a validation.csv gets a validation table with its rows."""
    run = tmp_path / "run"
    shutil.copytree(folders[0], run)
    (run / "validation.csv").write_text("check,observed,modelled\nrail_t,100,98.5\n", "utf-8")
    text = render_report([run])
    part = text[text.index('id="validation"') :]
    assert "rail_t" in part and "98.50" in part


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True,
                       timeout=600, check=False)  # fmt: skip
        exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("Debian's chromium package is not installed and apt-get could not install it")
    return exe


def test_chromium_renders_title_kpis_and_map(report: Path, tmp_path: Path) -> None:
    """Headless Chromium shows the title, the KPI table and a decoded map; no request fails,
    no console error, and the page loads no resource but itself."""
    exe = _chromium()
    probe = tmp_path / "probe.html"
    # the report plus a probe that writes what the page shows into the DOM
    probe.write_text(
        report.read_text(encoding="utf-8").replace(
            "</body>",
            "<script>window.addEventListener('load', () => { const i = document.images[0];"
            " document.body.setAttribute('data-probe', [document.title,"
            " document.querySelectorAll('#kpis tr').length, i.complete && i.naturalWidth,"
            " performance.getEntriesByType('resource').length].join('|')); });</script></body>",
        ),
        encoding="utf-8",
    )
    dom = subprocess.run(
        [exe, *FLAGS, "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    m = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert m, dom.stderr[-2000:]
    title, kpi_rows, width, resources = m.group(1).split("|")
    assert title == "Tiny report"
    assert int(kpi_rows) >= 9  # header + demand … binding_capacities
    assert int(width) > 300  # the map image decoded
    assert resources == "0"  # no request besides the page itself
    assert not re.search(r"CONSOLE.*(Uncaught|Error)|net::ERR_", dom.stderr)
    shot = tmp_path / "report.png"
    subprocess.run([exe, *FLAGS, "--window-size=1200,2000", f"--screenshot={shot}",
                    report.as_uri()], capture_output=True, timeout=120, check=False)  # fmt: skip
    assert shot.read_bytes()[:4] == b"\x89PNG"
