"""HTML building blocks: escaping, paragraphs, tables, sub-sections and the page style.

Every piece of text that comes from a folder passes through :func:`e`."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any


def e(value: Any) -> str:
    """Escape anything for HTML text or attributes."""
    return escape(str(value), quote=True)


def table(headers: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "") -> str:
    """An HTML table from already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def para(*sentences: str) -> str:
    return "<p>" + " ".join(sentences) + "</p>"


def sub(title: str, body: str) -> str:
    return f"<h4>{e(title)}</h4>{body}"


CSS = """
:root { --ink:#1b1b1b; --muted:#5a5a5a; --rule:#d9d9d9; --band:#f5f6f7; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:1.2rem 1.5rem 4rem; }
header.top { border-bottom:3px solid var(--accent); margin-bottom:.8rem; padding-bottom:.4rem; }
h1 { font-size:1.6rem; line-height:1.2; margin:0 0 .2rem; }
h2 { font-size:1.4rem; margin:2.4rem 0 .7rem; padding-top:.4rem; border-top:1px solid var(--rule); }
h3 { font-size:1.1rem; margin:1.4rem 0 .4rem; }
h4 { font-size:1rem; margin:1.1rem 0 .3rem; }
p.meta, .note, .desc, figcaption { color:var(--muted); }
p.meta { margin:0; }
.note { font-size:.9rem; }
.desc { font-size:.88rem; }
section.answer { display:grid; grid-template-columns:minmax(0,1fr) auto; gap:0 1.6rem; align-items:start; }
section.answer h2 { grid-column:1 / -1; margin:.2rem 0 .3rem; border:0; padding:0; font-size:1.25rem; }
section.answer h3 { margin:.7rem 0 .2rem; font-size:1.02rem; }
section.answer ul { margin:0; padding-left:1.1rem; }
section.answer li { margin:.15rem 0; }
section.answer figure { margin:0; }
section.answer figure img { max-width:100%; height:auto; }
p.caveat { background:var(--band); border-left:4px solid #D55E00; padding:.5rem .8rem; margin:.8rem 0 0; }
@media (max-width: 900px) { section.answer { grid-template-columns:1fr; } }
nav ol { columns:3; padding-left:1.2rem; margin:.3rem 0; }
nav { margin-top:1.6rem; font-size:.95rem; }
.callout { background:var(--band); border-left:4px solid var(--accent); padding:.8rem 1rem; margin:1rem 0; }
table { border-collapse:collapse; width:100%; margin:.6rem 0 1rem; font-size:.9rem; }
th, td { text-align:left; vertical-align:top; padding:.35rem .55rem; border-bottom:1px solid var(--rule); }
thead th { background:var(--band); border-bottom:2px solid #bbb; }
tbody th { font-weight:500; }
tr.group th { background:#fff; font-weight:700; padding-top:.9rem; }
td.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.clear { font-weight:700; }
table.provenance td:first-child { white-space:nowrap; }
table.provenance { font-size:.84rem; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; background:var(--band); padding:0 .2em; border-radius:3px; word-break:break-word; }
.tag { display:inline-block; font-size:.72rem; text-transform:uppercase; letter-spacing:.03em; padding:0 .35em; border-radius:3px; background:#e6e6e6; }
.tag.source { background:#d7ecf7; } .tag.assumption { background:#fbe3d3; }
.scen { font-weight:600; }
figure.plot { margin:1.2rem 0 2rem; }
figure.plot img { max-width:100%; height:auto; }
figcaption { font-size:.92rem; margin-top:.4rem; }
details { margin:.8rem 0; } summary { cursor:pointer; font-weight:600; color:var(--accent); }
footer { margin-top:3rem; font-size:.85rem; color:var(--muted); border-top:1px solid var(--rule); padding-top:.8rem; }
@media print { main { max-width:none; padding:0; } h2 { break-before:page; } figure.plot { break-inside:avoid; } details > * { display:block; } }
"""


def details(summary: str, body: str) -> str:
    """A collapsed block: ``summary`` (text, escaped here) shown, ``body`` (HTML) on request."""
    return f"<details><summary>{e(summary)}</summary>{body}</details>"
