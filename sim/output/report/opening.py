"""The report's first screen: the answer in words beside its figure, and the caveat.

The words are :mod:`sim.output.answer`'s, the same lines ``qofsim compare`` prints.
"""

from __future__ import annotations

import base64
from pathlib import Path

from sim.output.answer import Answer
from sim.output.report.html import e

FIGURE = "answer"
"""The plot drawn beside the answer."""


def img(folder: Path, entry: dict, cls: str = "plot") -> str:
    """A plot embedded as base64 PNG, shown at the width it was drawn for."""
    data = base64.b64encode((folder / "plots" / entry["png"]).read_bytes()).decode("ascii")
    width = f" width='{int(entry['width'])}'" if entry.get("width") else ""
    return f"<img class='{cls}' src='data:image/png;base64,{data}'{width} alt='{e(entry['title'])}'>"


def opening_html(answer: Answer, folder: Path, index: list[dict]) -> str:
    """The answer section: per regime three lines, then the caveat; the answer figure beside them."""
    regimes = "".join(
        (f"<h3>{e(label)}</h3>" if answer.compared else "") + "<ul>"
        + "".join(f"<li class='{_cls(line.clear)}'>{_line(line.text)}</li>" for line in lines)
        + "</ul>"
        for label, lines in answer.regimes
    )
    entry = next((x for x in index if x["name"] == FIGURE), None)
    figure = f"<figure id='fig-{FIGURE}'>{img(folder, entry)}</figure>" if entry else ""
    return (
        "<section id='answer' class='answer'>"
        f"<h2>{e(answer.heading)}</h2>"
        f"<div class='answer-text'>{regimes}<p class='caveat'><strong>Caveat.</strong> {e(answer.caveat)}</p></div>"
        f"{figure}</section>"
    )


def _line(text: str) -> str:
    """``Topic: rest`` with the topic in bold."""
    topic, sep, rest = text.partition(": ")
    return f"<strong>{e(topic)}:</strong> {e(rest)}" if sep else e(text)


def _cls(clear: bool | None) -> str:
    return {True: "clear", False: "unclear"}.get(clear, "single")  # type: ignore[arg-type]
