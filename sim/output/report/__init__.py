"""A self-contained HTML report of a written comparison folder.

:func:`build_report` writes ``folder/report.html``: one file with inline CSS and
the plots embedded, so it opens from ``file://`` with no server and no network.
Every number and every description comes from the folder's own manifests, CSVs
and tables; the methods section follows the STRESS-DES reporting checklist
(Monks et al., J Simulation 2019). All text is escaped.
"""

from sim.output.report.document import REPORT_TITLE, answer_text, build_report, plots_and_report, write_report
from sim.output.report.methods import STRESS_SECTIONS

__all__ = ["REPORT_TITLE", "STRESS_SECTIONS", "answer_text", "build_report", "plots_and_report", "write_report"]
