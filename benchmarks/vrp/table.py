"""Summarise the engine benchmark: one Markdown table and the acceptance counts.

Usage (from the repository root)::

    python benchmarks/vrp/table.py benchmarks/vrp/results_pyvrp.csv benchmarks/vrp/results_ortools.csv

An argument ``LABEL=PATH`` reads PATH and labels its rows LABEL instead of their engine (to set
two runs of one engine side by side). Each engine or label gets cost, gap, vehicles, wall-clock
seconds and the 1-minute load average at the end of the run.

Acceptance (issue 15): CVRPLIB A, B, P within 1 % of the best known cost with at most the
instance's fleet; Solomon R1, C1, RC1 feasible with the best-known fleet and within 3 % of the
best-known distance; every route accepted by the independent checker.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path


def bound(set_name: str) -> float:
    """Allowed gap in percent: 1 for CVRP sets, 3 for Solomon sets."""
    return 1.0 if set_name in ("A", "B", "P") else 3.0


def main(paths: list[str]) -> int:
    rows: list[dict[str, str]] = []
    for arg in paths:
        label, _, path = arg.rpartition("=")
        for r in csv.DictReader(Path(path).open()):
            rows.append({**r, "engine": label} if label else r)
    engines = list(dict.fromkeys(r["engine"] for r in rows))  # in the order given
    by = {(r["instance"], r["engine"]): r for r in rows}
    order: list[tuple[str, str, str, str]] = []
    for r in rows:
        key = (r["instance"], r["set"], r["fleet"], r["best_known"])
        if key not in order:
            order.append(key)
    head = ["instance", "set", "fleet", "best known"]
    for e in engines:
        head += [f"{e} cost", f"{e} gap %", f"{e} veh", f"{e} s", f"{e} load1"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, set_name, fleet, best in order:
        cells = [name, set_name, fleet, best]
        for e in engines:
            got = by.get((name, e))
            if got is None:
                cells += ["", "", "", "", ""]
                continue
            r = got
            ok = r["checker"] == "ok"
            gap = float(r["gap_pct"]) if ok else math.nan
            mark = "" if ok and gap <= bound(set_name) + 1e-9 else " ✗"
            cost = r["cost"] if ok else "none"
            cells += [cost, ("" if math.isnan(gap) else f"{gap:+.2f}") + mark, r["vehicles"],
                      r["runtime_s"], r.get("load1", "")]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print()
    for e in engines:
        mine = [r for r in rows if r["engine"] == e]
        for group, sets in (
            ("CVRP A/B/P", ("A", "B", "P")),
            ("Solomon C1/R1/RC1", ("C1", "R1", "RC1")),
        ):
            sel = [r for r in mine if r["set"] in sets]
            if not sel:
                continue
            passed = [
                r
                for r in sel
                if r["checker"] == "ok" and float(r["gap_pct"]) <= bound(r["set"]) + 1e-9
            ]
            checked = sum(r["checker"] == "ok" for r in sel)
            gaps = [float(r["gap_pct"]) for r in sel if r["checker"] == "ok"]
            mean = sum(gaps) / len(gaps) if gaps else math.nan
            print(
                f"- {e}, {group}: {len(passed)} of {len(sel)} within bound; "
                f"{checked} checked feasible; mean gap {mean:.2f} %; "
                f"max gap {max(gaps, default=math.nan):.2f} %"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
