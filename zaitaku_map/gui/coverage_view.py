"""Coverage on the map: choose categories, compute in a worker (progress + cancel), draw bands/gaps.

Only categories with placed facilities are offered; each category has its own band colour and
gap symbol, and the legend shows the same pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui import data
from zaitaku_map.gui.dialogs import show_error
from zaitaku_map.gui.state import AppState, CoverageShown
from zaitaku_map.gui.worker import Job

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.gui.workbench import Workbench
    from zaitaku_map.progress import CancelToken, Progress
    from zaitaku_map.store import Project

DEFAULT_SELECTED = ("zaishi", "home_nursing")
GAP_COLOR = "#000000"  # no facility category is black (labels.CATEGORIES)


@dataclass(frozen=True)
class CoverageStyle:
    """Band colour and gap symbol of one category.

    Bands take colour-blind-safe hues, one per category.  Gaps (people outside coverage) are black,
    a colour no facility uses, and tell their category by shape: filled ✕ for 在支診・在支病, the
    others hollow shapes that no facility symbol has (facilities are always filled).
    """

    band: str
    shape: str
    hollow: bool = False
    gap: str = GAP_COLOR


COVERAGE_STYLES: dict[str, CoverageStyle] = {
    "zaishi": CoverageStyle("#0072b2", "x"),
    "home_nursing": CoverageStyle("#009e73", "o", hollow=True),
    "zaishi_clinic": CoverageStyle("#56b4e9", "s", hollow=True),
    "zaishi_hospital": CoverageStyle("#cc79a7", "h", hollow=True),
    "pharmacy": CoverageStyle("#e69f00", "D", hollow=True),
    "houkatsu": CoverageStyle("#d55e00", "^", hollow=True),
    "care_facility": CoverageStyle("#8c6d31", "v", hollow=True),
}
FALLBACK_STYLE = CoverageStyle("#555555", "P", hollow=True)


def coverage_style(category: str) -> CoverageStyle:
    return COVERAGE_STYLES.get(category, FALLBACK_STYLE)


def coverage_params(state: AppState) -> CoverageParams:
    """Parameters saved in the project (by the settings dialog), else the user's preferences."""
    from zaitaku_map.coverage import CoverageParams, resolve_coverage_params

    s = state.settings
    preferred = CoverageParams(
        minutes=float(s.get("coverage_minutes", 30)),
        bands=tuple(float(b) for b in s.get("coverage_bands", [15, 30, 45])),
        mode=str(s.get("coverage_mode", "auto")),
    )
    if state.project is None:
        return preferred
    return resolve_coverage_params(state.project, default=preferred)


def category_choices(facilities: list[dict[str, Any]] | None = None) -> list[tuple[str, str]]:
    """(key, label) of the coverage categories; with ``facilities``, only those with a placed
    facility (a category never imported would only draw "everyone outside")."""
    from zaitaku_map.coverage import DEFAULT_CATEGORIES, category_name
    from zaitaku_map.coverage.inputs import category_members

    if facilities is None:
        return [(k, category_name(k)) for k in DEFAULT_CATEGORIES]
    placed = {str(r["category"]) for r in facilities if r.get("lon") is not None}
    return [
        (k, category_name(k)) for k in DEFAULT_CATEGORIES if any(m in placed for m in category_members(k))
    ]


class CoverageDialog(QDialog):
    def __init__(
        self, parent: QWidget, params: CoverageParams, selected: list[str], choices: list[tuple[str, str]]
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("到達圏・カバー外の計算")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"条件: {params.describe_ja()}\n（分析 → 分析の設定 で変更できます）"))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in choices:
            cb = QCheckBox(label)
            cb.setChecked(key in selected)
            self.boxes[key] = cb
            lay.addWidget(cb)
        if not choices:
            lay.addWidget(QLabel("位置の分かっている施設がありません。先に施設の一覧を取り込んでください。"))
        missing = QLabel("施設が取り込まれていない種別は表示していません。")
        missing.setStyleSheet("color: #555;")
        lay.addWidget(missing)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.button(QDialogButtonBox.StandardButton.Ok).setText("計算する")
        bb.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(choices))
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def selected(self) -> list[str]:
        return [k for k, cb in self.boxes.items() if cb.isChecked()]


@dataclass
class CategoryPayload:
    """What the map draws for one category."""

    bands: dict[str, Any]  # FeatureCollection with band_min and rank (largest band first)
    gaps: list[list[float]]  # [lat, lon, population]
    gap_pop: float
    pop_label: str


@dataclass
class CoverageDisplay:
    """The worker's result: the parameter line and the payload per category."""

    params: CoverageParams
    description: str
    categories: dict[str, CategoryPayload]


def coverage_job(params: CoverageParams, categories: list[str]) -> Any:
    """The worker function: compute coverage and build map payloads for ``categories``."""

    def job(project: Project | None, *, progress: Progress, cancel: CancelToken) -> CoverageDisplay:
        from zaitaku_map import options
        from zaitaku_map.coverage import band_polygons, compute_coverage, gap_points

        assert project is not None
        pop_col = project.setting("population_column", "pop_total") or "pop_total"
        compute_coverage(project, params, categories=categories, progress=progress.step(0.4), cancel=cancel)
        out = CoverageDisplay(params=params, description=params.describe_ja(), categories={})
        rest = progress.step(0.3)
        for cat in rest.iterate(categories, message="到達圏の面を作成中"):
            bands = band_polygons(project, params, cat)
            if "band_min" in bands.columns:
                bands = bands.sort_values("band_min", ascending=False).reset_index(drop=True)
                bands["rank"] = list(range(len(bands)))[::-1]
            gaps = gap_points(project, params, cat)
            col = pop_col if pop_col in gaps.columns else "pop_total"
            pop = gaps[col].fillna(0) if col in gaps.columns else [0] * len(gaps)
            out.categories[cat] = CategoryPayload(
                bands=data.feature_collection(bands, ["band_min", "rank"]),
                gaps=[
                    [round(float(y), 5), round(float(x), 5), float(p)]
                    for x, y, p in zip(gaps["lon"], gaps["lat"], pop, strict=True)
                ],
                gap_pop=float(sum(pop)),
                pop_label=labels.POPULATION_COLUMNS.get(col, col),
            )
        # the evaluation table shows coverage of every category: compute (and cache) the rest here,
        # in the worker, so editing 圏域 on the GUI thread never waits for the coverage engine
        compute_coverage(project, params, progress=progress.step(0.2), cancel=cancel)
        warm = progress.step(0.1)
        warm.update(0, "評価表を準備中", force=True)
        names = [o["name"] for o in options.list_options(project)]
        if names:
            options.evaluate_option(project, names[0], coverage_params=params)
        return out

    return job


def run_coverage(
    wb: Workbench, categories: list[str] | None = None, *, ask: bool = True, dialog: bool | None = None
) -> Job | None:
    """Ask which categories, then compute in a worker; returns the job (tests wait on it)."""
    state = wb.state
    if state.project_path is None:
        return None
    try:
        params = coverage_params(state)
    except (ZaitakuError, TypeError, ValueError) as err:  # a stored parameter set from an older version
        show_error(wb.dialog_parent(), err)
        return None
    choices = category_choices(state.facilities)
    available = [k for k, _l in choices]
    selected = categories or [
        k for k in (wb.settings.get("coverage_categories") or DEFAULT_SELECTED) if k in available
    ]
    if ask:
        dlg = CoverageDialog(wb.dialog_parent(), params, selected or available[:1], choices)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        selected = dlg.selected()
        wb.settings.set("coverage_categories", selected)
    if not selected:
        return None

    def failed(err: BaseException, details: str) -> None:
        show_error(wb.dialog_parent(), err, details, title="到達圏を計算できません")

    show_dialog = ask if dialog is None else dialog
    job = wb.jobs.run(
        "到達圏を計算しています",
        coverage_job(params, selected),
        project_path=state.project_path,
        on_success=lambda result: show_coverage(wb, result),
        on_error=failed,
        show_dialog=show_dialog,
    )
    if not show_dialog:  # background run: progress in the status bar
        wb.track_progress(job)
    return job


def show_coverage(wb: Workbench, result: CoverageDisplay) -> None:
    """Push bands and gap points to the map and list them in the layers panel."""
    from zaitaku_map.coverage import category_name

    for cat, payload in result.categories.items():
        st = coverage_style(cat)
        name = category_name(cat)
        wb.map.call(
            "setCoverage",
            cat,
            payload.bands,
            payload.gaps,
            st.band,
            name,
            {"gap": st.gap, "shape": st.shape, "hollow": st.hollow},
        )
        wb.layers.set_layer(
            f"band:{cat}", "coverage", f"到達圏: {name}", count=len(payload.bands["features"]), color=st.band
        )
        wb.layers.set_layer(
            f"gap:{cat}",
            "coverage",
            f"カバー外: {name}（{payload.pop_label} {payload.gap_pop:,.0f}人）",
            count=len(payload.gaps),
            color=st.gap,
            shape=st.shape,
        )
        wb.state.set_layer_visible(f"band:{cat}", wb.layers.is_visible(f"band:{cat}"))
        wb.state.set_layer_visible(f"gap:{cat}", wb.layers.is_visible(f"gap:{cat}"))
    wb.map.call("setLegendNote", "到達圏の条件: " + result.description)
    wb.state.set_coverage(
        CoverageShown(
            params=result.params, categories=tuple(result.categories), description=result.description
        )
    )
    wb.state.show_message("到達圏を表示しました — " + result.description)
