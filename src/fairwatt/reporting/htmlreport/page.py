"""The report as one self-contained HTML page.

Everything is inline: the style sheet, the charts (SVG elements) and nothing else: no
script, no web font, no external image, no link to fetch. The page reads the same from
a file, a web server or an e-mail attachment, follows the reader's light or dark
setting (``prefers-color-scheme``) and prints one chart per block.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fairwatt.reporting.ci import fmt_number
from fairwatt.reporting.htmlreport.charts import FOREGROUND, Chart, svg_text

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Section:
    """A titled part of the report: paragraphs, tables and charts, in order.

    ``blocks`` holds :class:`~fairwatt.reporting.htmlreport.charts.Chart` objects and
    HTML fragments (already escaped; build them with :func:`paragraph`,
    :func:`bullet_list` and :func:`table_html`).
    """

    id: str
    title: str
    blocks: list[Chart | str] = field(default_factory=list)

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]


_CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1a1a1a; --muted: #555555;
  --rule: #d0d0d0; --head: #f2f2f2; --accent: #0072B2; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181c; --fg: #e8e8e8; --muted: #b0b0b0; --rule: #3a3d44;
    --head: #23262c; --accent: #56B4E9; }
  figure.chart svg [style*="fill: FG"] { fill: #e8e8e8 !important; }
  figure.chart svg [style*="stroke: FG"] { stroke: #e8e8e8 !important; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 64rem; padding: 1.5rem; background: var(--bg);
  color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.02rem; margin: 0 0 .4rem; }
p.lead { color: var(--muted); margin-top: 0; }
nav ol { columns: 2; margin: .5rem 0 1rem; }
a { color: var(--accent); }
code { font: .9em ui-monospace, "DejaVu Sans Mono", monospace; }
pre { white-space: pre-wrap; word-break: break-all; background: var(--head);
  padding: .6rem .8rem; border-radius: 4px; }
figure.chart { margin: 1.2rem 0 1.8rem; break-inside: avoid; }
figure.chart svg { width: 100%; height: auto; display: block; }
figcaption p { color: var(--muted); font-size: .92rem; margin: .2rem 0 .5rem; }
.numbers { max-height: 18rem; overflow: auto; border: 1px solid var(--rule); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; width: 100%; }
th, td { padding: .2rem .5rem; border-bottom: 1px solid var(--rule); text-align: left; }
td.time { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: var(--head); position: sticky; top: 0; }
dl.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
  gap: .6rem; margin: 0; }
dl.headline div { border: 1px solid var(--rule); border-radius: 6px; padding: .5rem .7rem; }
dl.headline dt { color: var(--muted); font-size: .85rem; }
dl.headline dd { margin: 0; font-size: 1.25rem; font-weight: 600; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #333333; --head: #eeeeee; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  .numbers { max-height: none; overflow: visible; border: none; }
  thead th { position: static; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
""".replace("FG", FOREGROUND)


def number(x: Any) -> str:
    """A number for people: :func:`~fairwatt.reporting.ci.fmt_number` (thousands
    separators, at most 6 significant digits), with typographic signs for NaN and
    infinity, and 4 significant digits below 0.001."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "" if x is None else str(x)
    if math.isnan(f):
        return "–"
    if math.isinf(f):
        return "∞" if f > 0 else "−∞"
    return fmt_number(f) if f == 0 or abs(f) >= 1e-3 else f"{f:.4g}"


def _time(t: pd.Timestamp) -> str:
    """A time in a table: ``2024-06-03 14:00`` (with `` UTC`` when it is UTC)."""
    text = t.strftime("%Y-%m-%d %H:%M")
    return f"{text} UTC" if str(t.tz) == "UTC" else text


def paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def bullet_list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def code_block(text: str) -> str:
    return f"<pre><code>{html.escape(text)}</code></pre>"


def headline(items: Sequence[tuple[str, str]]) -> str:
    """Key figures as a grid of (label, value) cards."""
    cells = "".join(
        f"<div><dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd></div>" for k, v in items
    )
    return f'<dl class="headline">{cells}</dl>'


def table_html(df: pd.DataFrame, *, index: bool = False, caption: str = "") -> str:
    """A table of ``df``: numbers right-aligned and formatted, text escaped."""
    import pandas as pd

    frame = df.reset_index() if index else df
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in frame.columns
    ]
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for value, is_num in zip(row, numeric, strict=True):
            if is_num:
                cells.append(f'<td class="num">{number(value)}</td>')
            elif isinstance(value, pd.Timestamp):
                cells.append(f'<td class="time">{html.escape(_time(value))}</td>')
            else:
                cells.append(f"<td>{html.escape('' if value is None else str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    body = "".join(rows)
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def chart_html(chart: Chart, prefix: str) -> str:
    """A chart as a ``<figure>``: its caption (heading and what it shows), the inline
    SVG, then the table of its numbers."""
    svg = svg_text(chart.figure, prefix=prefix)
    title = html.escape(chart.title)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in chart.notes)
    return (
        f'<figure class="chart" id="chart-{html.escape(chart.name)}">'
        f"<figcaption><h3>{title}</h3><p>{html.escape(chart.caption)}</p></figcaption>{svg}{notes}"
        f'<div class="numbers">{table_html(chart.table)}</div></figure>'
    )


def render_page(title: str, subtitle: str, sections: Sequence[Section], *, footer: str = "") -> str:
    """The whole report as one HTML document (UTF-8)."""
    toc = "".join(
        f'<li><a href="#{html.escape(s.id)}">{html.escape(s.title)}</a></li>' for s in sections
    )
    body = []
    n = 0
    for s in sections:
        parts = [f'<section id="{html.escape(s.id)}"><h2>{html.escape(s.title)}</h2>']
        for block in s.blocks:
            if isinstance(block, Chart):
                n += 1
                parts.append(chart_html(block, prefix=f"c{n}-"))
            else:
                parts.append(block)
        parts.append("</section>")
        body.append("".join(parts))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="fairwatt">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="lead">{html.escape(subtitle)}</p></header>\n'
        f'<nav aria-label="Contents"><ol>{toc}</ol></nav>\n'
        + "\n".join(body)
        + f"\n<footer>{html.escape(footer)}</footer>\n</body>\n</html>\n"
    )
