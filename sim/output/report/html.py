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
body { margin:0; color:var(--ink); background:#fff; font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1100px; margin:0 auto; padding:2rem 1.5rem 4rem; }
header.top { border-bottom:3px solid var(--accent); margin-bottom:1.5rem; padding-bottom:1rem; }
h1 { font-size:1.9rem; line-height:1.2; margin:0 0 .4rem; }
h2 { font-size:1.45rem; margin:2.6rem 0 .8rem; padding-top:.4rem; border-top:1px solid var(--rule); }
h3 { font-size:1.15rem; margin:1.6rem 0 .5rem; }
h4 { font-size:1rem; margin:1.1rem 0 .3rem; }
p.meta, .note, .desc, figcaption { color:var(--muted); }
.note { font-size:.9rem; }
.desc { font-size:.88rem; }
nav ol { columns:2; padding-left:1.2rem; margin:.3rem 0; }
.callout { background:var(--band); border-left:4px solid var(--accent); padding:.8rem 1rem; margin:1rem 0; }
ul.findings li { margin:.35rem 0; }
table { border-collapse:collapse; width:100%; margin:.6rem 0 1rem; font-size:.9rem; }
th, td { text-align:left; vertical-align:top; padding:.4rem .55rem; border-bottom:1px solid var(--rule); }
thead th { background:var(--band); border-bottom:2px solid #bbb; }
tbody th { font-weight:500; }
td.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.clear { font-weight:700; }
.ci { color:var(--muted); font-weight:400; font-size:.85em; }
table.provenance td:first-child { white-space:nowrap; }
table.provenance { font-size:.84rem; }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; background:var(--band); padding:0 .2em; border-radius:3px; word-break:break-word; }
.tag { display:inline-block; font-size:.72rem; text-transform:uppercase; letter-spacing:.03em; padding:0 .35em; border-radius:3px; background:#e6e6e6; }
.tag.source { background:#d7ecf7; } .tag.assumption { background:#fbe3d3; }
.scen { font-weight:600; }
figure.plot { margin:1.5rem 0 2.2rem; }
figure.plot img { width:100%; height:auto; border:1px solid var(--rule); }
figcaption { font-size:.92rem; margin-top:.4rem; }
details { margin:.8rem 0; } summary { cursor:pointer; font-weight:600; color:var(--accent); }
footer { margin-top:3rem; font-size:.85rem; color:var(--muted); border-top:1px solid var(--rule); padding-top:.8rem; }
@media print { main { max-width:none; padding:0; } h2 { break-before:page; } figure.plot { break-inside:avoid; } details > * { display:block; } }
"""
