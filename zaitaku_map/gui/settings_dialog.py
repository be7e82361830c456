"""Analysis settings: coverage minutes, bands, mode, speeds; stored in the project (and as defaults)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from zaitaku_map import labels
from zaitaku_map.errors import ZaitakuError
from zaitaku_map.gui.dialogs import show_error

if TYPE_CHECKING:
    from zaitaku_map.coverage import CoverageParams
    from zaitaku_map.gui.workbench import Workbench

MODES = labels.COVERAGE_MODES
SPEED_SETTING = "coverage.speed_table"


class SettingsDialog(QDialog):
    def __init__(self, wb: Workbench) -> None:
        super().__init__(wb.dialog_parent())
        self.wb = wb
        self.state = wb.state
        self.setWindowTitle("分析の設定")
        self.resize(520, 640)
        from zaitaku_map.gui.coverage_view import coverage_params

        p: CoverageParams | None
        try:
            p = coverage_params(self.state)
        except (ZaitakuError, TypeError, ValueError):  # unreadable stored set: start from the defaults
            p = None
        form = QFormLayout()
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(1, 240)
        self.minutes.setSuffix(" 分")
        self.minutes.setValue(float(getattr(p, "minutes", 30)))
        self.bands = QLineEdit(", ".join(f"{b:g}" for b in getattr(p, "bands", (15, 30, 45))))
        self.mode = QComboBox()
        for k, v in MODES.items():
            self.mode.addItem(v, k)
        self.mode.setCurrentIndex(max(self.mode.findData(getattr(p, "mode", "auto")), 0))
        self.detour = QDoubleSpinBox()
        self.detour.setRange(1.0, 3.0)
        self.detour.setSingleStep(0.1)
        self.detour.setValue(float(getattr(p, "detour_factor", 1.3)))
        self.straight_speed = QDoubleSpinBox()
        self.straight_speed.setRange(1, 120)
        self.straight_speed.setSuffix(" km/h")
        self.straight_speed.setValue(float(getattr(p, "straight_speed_kmh", 30)))
        self.population = QComboBox()
        for key, label in labels.POPULATION_COLUMNS.items():
            self.population.addItem(label, key)
        project = self.state.project
        stored_pop = project.setting("population_column", "pop_total") if project else "pop_total"
        self.population.setCurrentIndex(max(self.population.findData(stored_pop), 0))
        form.addRow("カバーとみなす時間", self.minutes)
        form.addRow("表示する時間帯（分, 区切り）", self.bands)
        form.addRow("移動時間の求め方", self.mode)
        form.addRow("迂回係数（直線距離モデル）", self.detour)
        form.addRow("速度（直線距離モデル）", self.straight_speed)
        form.addRow("人口の指標", self.population)
        self.speeds = QTableWidget()
        self.speeds.setColumnCount(2)
        self.speeds.setHorizontalHeaderLabels(["道路の種類", "速度 km/h"])
        self._fill_speeds(p)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("道路種別ごとの平均速度（道路網モデル）"))
        lay.addWidget(self.speeds, 1)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.save)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def _fill_speeds(self, p: CoverageParams | None) -> None:
        table = p.effective_table() if p is not None else None
        speeds: dict[str, float] = dict(table.speeds) if table is not None else {}
        self.speeds.setRowCount(len(speeds))
        for i, (k, v) in enumerate(speeds.items()):
            name = QTableWidgetItem(labels.ROAD_CLASS_LABELS.get(k, k))
            name.setData(Qt.ItemDataRole.UserRole, k)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.speeds.setItem(i, 0, name)
            self.speeds.setItem(i, 1, QTableWidgetItem(f"{float(v):g}"))
        self._speeds_orig = speeds

    def values(self) -> dict[str, Any]:
        bands = [float(x) for x in self.bands.text().replace("、", ",").split(",") if x.strip()]
        return {
            "minutes": self.minutes.value(),
            "bands": bands,
            "mode": self.mode.currentData(),
            "detour_factor": self.detour.value(),
            "straight_speed_kmh": self.straight_speed.value(),
        }

    def save(self) -> None:
        try:
            vals = self.values()
            from zaitaku_map.coverage import CoverageParams

            params = CoverageParams(**{**vals, "bands": tuple(vals["bands"])})  # validates (AnalysisError)
            speeds = {}
            for i in range(self.speeds.rowCount()):
                name, speed = self.speeds.item(i, 0), self.speeds.item(i, 1)
                if name is None or speed is None:  # _fill_speeds sets both cells of every row
                    continue
                speeds[name.data(Qt.ItemDataRole.UserRole)] = float(speed.text())
        except (ValueError, TypeError, ZaitakuError) as err:
            show_error(self, err, title="設定の値が正しくありません")
            return
        project = self.state.project
        if project is not None:
            from zaitaku_map.coverage import save_coverage_params

            save_coverage_params(project, params, with_speed_table=False)
            project.set_setting("population_column", self.population.currentData())
            if speeds and speeds != self._speeds_orig:
                try:
                    from zaitaku_map.network import SpeedTable

                    base = project.setting(SPEED_SETTING) or {}
                    table = SpeedTable.from_dict(base) if isinstance(base, dict) and base else SpeedTable()
                    d = table.to_dict()
                    d["speeds_kmh"] = speeds
                    project.set_setting(SPEED_SETTING, SpeedTable.from_dict(d).to_dict())
                except (ValueError, TypeError, ZaitakuError) as err:
                    show_error(self, err, title="速度表を保存できません")
                    return
        s = self.wb.settings
        s.set("coverage_minutes", vals["minutes"])
        s.set("coverage_bands", vals["bands"])
        s.set("coverage_mode", vals["mode"])
        s.save()
        self.state.show_message("分析の設定を保存しました（到達圏は再計算してください）")
        self.state.notify_changed("settings")
        self.accept()
