"""How long drawing the plots and the report takes, and how big and tall the page is.

Not a test: measured here, never asserted. Usage::

    .venv/bin/python benchmarks/report_speed.py results/practice

The folder is copied first, so the results are not touched. The page is measured in
headless Chromium (``/usr/bin/chromium``) at 1,400 px wide, when it is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from machine import cpu_seconds, load

CHROMIUM = Path("/usr/bin/chromium")
MEASURE = """<script>addEventListener('load', () => {
  const out = document.createElement('pre'); out.id = 'qofsim-measure';
  out.textContent = JSON.stringify({height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});</script>"""


def draw(folder: Path) -> tuple[float, float]:
    """Seconds (wall clock, and CPU of this process and its workers) to draw every plot and write the report."""
    try:
        from sim.output.report import write_report
    except ImportError:  # before the output layer was split
        from sim.output.plots import make_plots
        from sim.output.report import build_report

        def write_report(f: Path) -> None:
            make_plots(f)
            build_report(f)

    start, cpu = time.perf_counter(), cpu_seconds()
    write_report(folder)
    return time.perf_counter() - start, cpu_seconds() - cpu


def page_height(report: Path, width: int = 1400) -> int | None:
    """Height in CSS pixels of the report laid out ``width`` pixels wide."""
    if not CHROMIUM.exists():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
        flags = ["--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}/profile", f"--window-size={width},900"]
        dom = subprocess.run(
            [str(CHROMIUM), *flags, "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout
    found = re.search(r"<pre id=\"qofsim-measure\">(.*?)</pre>", dom)
    return json.loads(found.group(1))["height"] if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a comparison folder written by 'qofsim compare'")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / args.folder.name
        shutil.copytree(args.folder, work)
        before = load()  # other work on the machine inflates wall and CPU times alike
        times = [draw(work) for _ in range(args.repeats)]
        report = work / "report.html"
        plots = sorted((work / "plots").glob("*.*"))
        print(f"plots and report: {', '.join(f'{w:.1f} s wall ({c:.1f} s CPU)' for w, c in times)} (the first warms caches up)")
        print(f"before drawing: {before} (1, 5, 15 min)")
        print(f"plot files: {len(plots)}, {sum(p.stat().st_size for p in plots) / 1e6:.1f} MB")
        print(f"report.html: {report.stat().st_size / 1e6:.2f} MB")
        height = page_height(report)
        print(f"page height at 1,400 px wide: {height if height is not None else 'not measured (no chromium)'} px")


if __name__ == "__main__":
    main()
