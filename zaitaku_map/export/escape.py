"""The one place where text from the project (option, 圏域, facility and file names …) is made inert
before it reaches a markup language.

Names come from imported files and from users: an option called ``<img src="/etc/hostname">案`` must
print as those characters, never make ReportLab open a local file or a browser run a script.

- :func:`rl` — ReportLab paragraph markup (a mini-XML: ``<img>``, ``<a>``, ``<font>`` … are live);
- :func:`html_text` — HTML text and attribute values;
- :func:`script_json` — a JSON literal inside an HTML ``<script>`` element;
- :func:`mpl` — matplotlib text (``$…$`` would start mathtext, which can fail on arbitrary input).
"""

from __future__ import annotations

import html
import json
import math
from typing import Any
from xml.sax.saxutils import escape as _xml_escape


def plain(value: Any) -> str:
    """Display text of a cell value: ``None`` and NaN become empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def rl(value: Any) -> str:
    """Text safe inside a ReportLab ``Paragraph`` (``& < >`` escaped, so no tag can start)."""
    return _xml_escape(plain(value))


def html_text(value: Any) -> str:
    """Text safe as HTML element content or a quoted attribute value."""
    return html.escape(plain(value), quote=True)


def script_json(value: Any) -> str:
    """JSON literal safe inside an HTML ``<script>`` (no ``<``, ``>``, ``&``, U+2028/2029 left raw)."""
    s = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for a, b in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        s = s.replace(a, b)
    return s


def mpl(value: Any) -> str:
    """Text matplotlib draws literally (dollar signs escaped so mathtext never starts)."""
    return plain(value).replace("$", r"\$")
