"""Reports people look at: one self-contained HTML page with charts, and the charts as
PNG and SVG files.

:func:`audit_page` and :func:`rebalance_page` turn a result into the page's sections
(:mod:`.audit`, :mod:`.rebalance`); :func:`html_document` renders them (:mod:`.page`);
:func:`write_figures` writes every chart as its own file. Charts are drawn with
matplotlib (:mod:`.charts`, :mod:`.figures`), imported only when a report is made.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairwatt.reporting.htmlreport.charts import Chart
from fairwatt.reporting.htmlreport.page import Section, render_page

if TYPE_CHECKING:
    from fairwatt.reporting.results import AuditResult

__all__ = ["Chart", "Section", "audit_page", "html_document", "write_figures"]

#: formats :func:`write_figures` writes
FIGURE_FORMATS = ("png", "svg")


def audit_page(
    result: AuditResult, extra: dict[str, Any] | None = None
) -> tuple[str, list[Section]]:
    """Subtitle and sections of an audit's report."""
    from fairwatt.reporting.htmlreport.audit import audit_sections

    sections = audit_sections(result, extra)
    sub = f"Footprint audit by {', '.join(result.by)}"
    if result.period_start is not None and result.period_end is not None:
        sub += f", {result.period_start:%Y-%m-%d} to {result.period_end:%Y-%m-%d} (UTC)"
    return sub, sections


def html_document(title: str, subtitle: str, sections: Sequence[Section], version: str) -> str:
    """The self-contained HTML page of ``sections``."""
    footer = (
        f"Made with fairwatt {version}. Every chart is followed by its numbers; colours "
        "are the Okabe–Ito palette, legible with common colour-vision deficiencies."
    )
    return render_page(title, subtitle, sections, footer=footer)


def charts_of(sections: Sequence[Section]) -> list[Chart]:
    return [c for s in sections for c in s.charts]


def write_figures(
    sections: Sequence[Section],
    folder: str | os.PathLike[str],
    formats: Sequence[str] = FIGURE_FORMATS,
) -> list[Path]:
    """Write each chart as ``<folder>/<chart name>.<format>`` (atomically); returns the
    paths written. The folder is created if missing."""
    from fairwatt.errors import InputError
    from fairwatt.io.writers import atomic_path
    from fairwatt.reporting.htmlreport.charts import png_bytes, svg_text

    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot make the figures folder {out}: {exc.strerror or exc}",
            hint="give another folder",
        ) from None
    written = []
    for chart in charts_of(sections):
        for fmt in formats:
            path = out / f"{chart.name}.{fmt}"
            with atomic_path(path) as tmp:
                if fmt == "png":
                    tmp.write_bytes(png_bytes(chart.figure))
                else:
                    tmp.write_text(svg_text(chart.figure), encoding="utf-8")
            written.append(path)
    return written
