"""Coverage on the map: choose categories, compute in a worker (progress + cancel), draw bands/gaps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from zaitaku_map import labels
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.worker import Job

if TYPE_CHECKING:
    from zaitaku_map.gui.mainwindow import MainWindow

DEFAULT_SELECTED = ("zaishi", "home_nursing")
COMBINED_COLORS = {"zaishi": "#d62728"}
# reach bands are drawn in one calm colour so they never compete with the 圏域 fills or the red gaps
BAND_COLOR = "#1f5fa8"


def coverage_params(win: MainWindow) -> Any:
    """Parameters saved in the project (by the settings dialog), else the user's preferences."""
    from zaitaku_map.coverage import CoverageParams, resolve_coverage_params

    s = win.settings
    preferred = CoverageParams(
        minutes=float(s.get("coverage_minutes", 30)),
        bands=tuple(float(b) for b in s.get("coverage_bands", [15, 30, 45])),
        mode=str(s.get("coverage_mode", "auto")),
    )
    if win.project is None:
        return preferred
    return resolve_coverage_params(win.project, default=preferred)


def category_choices() -> list[tuple[str, str]]:
    try:
        from zaitaku_map.coverage import DEFAULT_CATEGORIES, category_name
    except ImportError:
        return []
    return [(k, category_name(k)) for k in DEFAULT_CATEGORIES]


class CoverageDialog(QDialog):
    def __init__(self, parent: QWidget, params: Any, selected: list[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle("到達圏・カバー外の計算")
        lay = QVBoxLayout(self)
        desc = params.describe_ja() if hasattr(params, "describe_ja") else ""
        lay.addWidget(QLabel(f"条件: {desc}\n（分析 → 分析の設定 で変更できます）"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in category_choices():
            cb = QCheckBox(label)
            cb.setChecked(key in selected)
            self.boxes[key] = cb
            lay.addWidget(cb)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText("計算する")
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def selected(self) -> list[str]:
        return [k for k, cb in self.boxes.items() if cb.isChecked()]


def coverage_job(params: Any, categories: list[str]) -> Any:
    """The worker function: compute coverage and build map payloads for ``categories``."""

    def job(project: Any, *, progress: Any, cancel: Any) -> dict[str, Any]:
        from zaitaku_map.coverage import band_polygons, compute_coverage, gap_points

        pop_col = project.setting("population_column", "pop_total") or "pop_total"

        compute_coverage(project, params, categories=categories, progress=progress.step(0.4), cancel=cancel)
        out: dict[str, Any] = {
            "params": params.describe_ja() if hasattr(params, "describe_ja") else "",
            "categories": {},
        }
        rest = progress.step(0.3)
        for cat in rest.iterate(categories, message="到達圏の面を作成中"):
            bands = band_polygons(project, params, cat)
            if "band_min" in bands.columns:
                bands = bands.sort_values("band_min", ascending=False).reset_index(drop=True)
                bands["rank"] = list(range(len(bands)))[::-1]
            gaps = gap_points(project, params, cat)
            col = pop_col if pop_col in gaps.columns else "pop_total"
            pop = gaps[col].fillna(0) if col in gaps.columns else [0] * len(gaps)
            out["categories"][cat] = {
                "bands": data.feature_collection(bands, ["band_min", "rank"]),
                "gaps": [
                    [round(float(y), 5), round(float(x), 5), float(p)]
                    for x, y, p in zip(gaps["lon"], gaps["lat"], pop, strict=True)
                ],
                "gap_pop": float(sum(pop)),
                "pop_label": labels.POPULATION_COLUMNS.get(col, col),
            }
        # the evaluation table shows coverage of every category: compute (and cache) the rest here,
        # in the worker, so editing 圏域 on the GUI thread never waits for the coverage engine
        compute_coverage(project, params, progress=progress.step(0.2), cancel=cancel)
        warm = progress.step(0.1)
        warm.update(0, "評価表を準備中", force=True)
        from zaitaku_map import options

        names = [o["name"] for o in options.list_options(project)]
        if names:
            options.evaluate_option(project, names[0], coverage_params=params)
        return out

    return job


def run_coverage(
    win: MainWindow, categories: list[str] | None = None, *, ask: bool = True, dialog: bool | None = None
) -> Job | None:
    """Ask which categories, then compute in a worker; returns the job (tests wait on it)."""
    if win.project_path is None:
        return None
    try:
        params = coverage_params(win)
    except Exception as err:
        show_error(win, err)
        return None
    selected = categories or list(win.settings.get("coverage_categories") or DEFAULT_SELECTED)
    if ask:
        dlg = CoverageDialog(win, params, selected)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        selected = dlg.selected()
        win.settings.set("coverage_categories", selected)
    if not selected:
        return None

    def done(result: dict[str, Any]) -> None:
        show_coverage(win, result)

    def failed(err: BaseException, details: str) -> None:
        win.busy.setVisible(False)
        show_error(win, err, details, title="到達圏を計算できません")

    def progressed(d: float, t: float, msg: str) -> None:
        win.busy.setValue(int(1000 * min(d / (t or 1), 1.0)))
        win.busy.setFormat(msg[:20])

    job = win.jobs.run(
        "到達圏を計算しています",
        coverage_job(params, selected),
        project_path=win.project_path,
        on_success=done,
        on_error=failed,
        show_dialog=ask if dialog is None else dialog,
    )
    if not (ask if dialog is None else dialog):  # background run: progress in the status bar
        win.busy.setVisible(True)
        job.progressed.connect(progressed)
    return job


def show_coverage(win: MainWindow, result: dict[str, Any]) -> None:
    """Push bands and gap points to the map and list them in the layers panel."""
    from zaitaku_map.coverage import category_name

    win.busy.setVisible(False)
    for cat, payload in result["categories"].items():
        color = BAND_COLOR
        name = category_name(cat)
        win.map.call("setCoverage", cat, payload["bands"], payload["gaps"], color, name)
        win.layers.set_layer(
            f"band:{cat}", "coverage", f"到達圏: {name}", count=len(payload["bands"]["features"]), color=color
        )
        win.layers.set_layer(
            f"gap:{cat}",
            "coverage",
            f"カバー外: {name}（{payload.get('pop_label', '人口')} {payload['gap_pop']:,.0f}人）",
            count=len(payload["gaps"]),
            color="#c2002a",
            shape="x",
        )
    win.map.call("setLegendNote", "到達圏の条件: " + str(result.get("params") or ""))
    win.coverage_result = result
    win.status.setText("到達圏を表示しました — " + str(result.get("params") or ""))
    win.options_panel.refresh_evaluation()
