"""Japanese font registration for matplotlib and ReportLab (IPAexGothic from ``matplotlib-fontja``).

The TTF ships through PyPI so PDFs get the same embedded font on Windows, macOS and Linux, whether
or not a Debian font package is installed.  matplotlib is told to embed TrueType (``pdf.fonttype
42``) instead of Type 3 outlines, so text stays selectable and searchable in the PDF.
"""

from __future__ import annotations

import functools
from pathlib import Path

from zaitaku_map.assets import japanese_font_path

FONT_NAME = "IPAexGothic"  # ReportLab name; also matplotlib's family name of the TTF


@functools.cache
def font_path() -> Path:
    """Filesystem path of the bundled IPAexGothic TTF."""
    return japanese_font_path()


@functools.cache
def setup_matplotlib() -> str:
    """Register the font with matplotlib and return its family name (idempotent)."""
    import matplotlib  # exports never use pyplot (explicit Figure + Agg/PDF canvas): no backend switch
    from matplotlib import font_manager

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams["pdf.fonttype"] = 42
    matplotlib.rcParams["ps.fonttype"] = 42
    matplotlib.rcParams["font.family"] = [family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


@functools.cache
def setup_reportlab() -> str:
    """Register the font with ReportLab and return the registered name (idempotent)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))
    # no bold/italic face ships: map them to the same face so <b> in paragraphs never fails
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME
