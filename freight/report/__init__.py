"""``freight report``: one self-contained HTML report of result folders.

:func:`write_report` renders the Jinja2 template ``templates/report.html.j2`` with one section
per folder: a run's KPIs, mode shares and flow map; a comparison's KPI changes, largest link
changes and change map; an appraisal's ranking with its benefit components; a criticality run's
most critical elements and map; and a validation summary where the folder has a
``validation.csv``. Tables are built from the declared outputs (column names with their units,
numbers at their declared precision). The file has no external reference: the CSS is inline and
the maps are PNG data URIs, so it opens offline and can be mailed as one file.
"""

from __future__ import annotations

from freight.report.render import render_report, write_report

__all__ = ["render_report", "write_report"]
