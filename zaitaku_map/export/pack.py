"""Meeting pack: for the chosen options the map, the resource list and (with two or more options)
the comparison, either merged into one print-ready PDF with bookmarks or written into a folder
(then also an XLSX per option).
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zaitaku_map.errors import ExportError
from zaitaku_map.export.compare import export_comparison_pdf
from zaitaku_map.export.listdoc import export_list_pdf
from zaitaku_map.export.mapdoc import export_map_pdf
from zaitaku_map.export.tables import export_xlsx
from zaitaku_map.progress import Progress
from zaitaku_map.store import Project

_BAD = re.compile(r'[\\/:*?"<>|\s]+')


def safe_name(text: str) -> str:
    """A file-name-safe version of an option name (Windows-forbidden characters removed)."""
    return _BAD.sub("_", text).strip("._") or "option"


def stamp_page_numbers(writer: Any, label: str) -> None:
    """Print 「<label> X / N」 at the bottom centre of every page (continuous numbering of the pack)."""
    import io

    from pypdf import PdfReader
    from reportlab.pdfgen import canvas

    from zaitaku_map.export.fonts import setup_reportlab

    font = setup_reportlab()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, initialFontName=font)
    n = len(writer.pages)
    for i, page in enumerate(writer.pages, start=1):
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        c.setPageSize((w, h))
        c.setFont(font, 7)
        c.setFillColorRGB(0.3, 0.3, 0.3)
        c.drawCentredString(w / 2, 14, f"{label} {i} / {n}")
        c.showPage()
    c.save()
    overlay = PdfReader(io.BytesIO(buf.getvalue()))
    for page, stamp in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(stamp)


def export_pack(
    project: Project,
    options: list[str],
    dest: str | Path,
    *,
    paper: str = "A4",
    landscape: bool = True,
    coverage_category: str | None = None,
    coverage_params: Any = None,
    categories: Sequence[str] | None = None,
    progress: Any = None,
    cancel: Any = None,
) -> dict[str, Any]:
    """Write the meeting pack of ``options`` to ``dest``.

    ``dest`` ending in ``.pdf`` gives one merged PDF (bookmarked per part); anything else is a
    folder (created if needed) with numbered PDFs and an XLSX per option.

    Returns
    -------
    dict
        ``path``, ``kind`` (pdf|folder), ``pages``, ``parts`` [{title, path?, pages}], ``seconds``.
    """
    from pypdf import PdfReader, PdfWriter

    t0 = time.perf_counter()
    names = list(dict.fromkeys(options))
    if not names:
        raise ExportError("no option given for the meeting pack", hint="出力する圏域案を指定してください")
    prog = Progress.of(progress, cancel)
    dest = Path(dest)
    as_pdf = dest.suffix.lower() == ".pdf"
    kw = {
        "paper": paper,
        "landscape": landscape,
        "coverage_category": coverage_category,
        "coverage_params": coverage_params,
        "categories": categories,
    }
    n_steps = 2 * len(names) + (1 if len(names) > 1 else 0) + (0 if as_pdf else len(names))
    parts: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="zm_pack_") as td:
        folder = Path(td) if as_pdf else dest
        folder.mkdir(parents=True, exist_ok=True)
        i = 0
        jobs: list[tuple[str, Any]] = []
        for n in names:
            jobs.append((f"地図 {n}", lambda p, n=n: export_map_pdf(project, n, p, **kw)))
            jobs.append((f"資源リスト {n}", lambda p, n=n: export_list_pdf(project, n, p, **kw)))
        if len(names) > 1:
            jobs.append(("圏域案の比較", lambda p: export_comparison_pdf(project, names, p, **kw)))
        for title, job in jobs:
            i += 1
            path = folder / f"{i:02d}_{safe_name(title)}.pdf"
            res = job(path)
            parts.append({"title": title, "path": str(path), "pages": res["pages"]})
            prog.update(i / n_steps, title)
        if not as_pdf:
            for n in names:
                i += 1
                res = export_xlsx(
                    project,
                    n,
                    folder / f"{i:02d}_{safe_name('表 ' + n)}.xlsx",
                    **{k: v for k, v in kw.items() if k.startswith("coverage") or k == "categories"},
                )
                parts.append({"title": f"表 {n}", "path": res["path"], "pages": 0})
                prog.update(i / n_steps, n)
            total = sum(p["pages"] for p in parts)
            out_path = dest
        else:
            writer = PdfWriter()
            for part in parts:
                writer.append(PdfReader(part["path"]), outline_item=part["title"])
                part.pop("path")
            stamp_page_numbers(writer, "会議資料")
            writer.add_metadata({"/Title": "会議資料 " + "・".join(names), "/Creator": "zaitaku-map"})
            tmp = dest.with_name(dest.name + ".part")
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as fh:
                    writer.write(fh)
                tmp.replace(dest)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise ExportError(
                    f"cannot write PDF: {exc}", file=dest, hint="保存先を確認してください"
                ) from exc
            total = len(writer.pages)
            out_path = dest
    prog.update(1.0, "完了", force=True)
    return {
        "path": str(out_path),
        "kind": "pdf" if as_pdf else "folder",
        "pages": total,
        "options": names,
        "parts": parts,
        "seconds": round(time.perf_counter() - t0, 2),
    }
