"""「圏域案の作成」: templates that explain themselves.

The core says which templates apply to the project and why not
(:func:`zaitaku_map.options.template_choices`): a template that would change nothing is disabled
with the reason, the fields a template does not use are disabled, and the 自動提案 shows its
default minimum population with the rule that gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

if TYPE_CHECKING:
    from zaitaku_map.options import TemplateChoice
    from zaitaku_map.store import Project


class NewOptionDialog(QDialog):
    """Name, template, and the fields of that template (layer, base, split, wards, minimum population)."""

    def __init__(
        self, parent: QWidget, project: Project, *, layers: list[str], existing: list[str], munis: Any
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.setWindowTitle("圏域案の作成")
        self.resize(620, 560)
        self.choices: dict[str, TemplateChoice] = {}
        form = QFormLayout(self)
        self.name = QLineEdit(_free_name(existing))
        self.template = QComboBox()
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setTextFormat(Qt.TextFormat.PlainText)
        self.explain.setStyleSheet("color: #333; background: #f4f6f8; padding: 6px;")
        self.layer = QComboBox()
        self.layer.addItems(layers or ["二次医療圏"])
        self.base = QComboBox()
        self.base.addItem("（なし：圏域レイヤーから）", None)
        for n in existing:
            self.base.addItem(n, n)
        self._make_split_fields(munis)
        self.wards = QCheckBox("政令市の区をそれぞれ独立した圏域にする")
        self.min_pop = QSpinBox()
        self.min_pop.setRange(0, 10_000_000)
        self.min_pop.setSingleStep(5000)
        self.min_pop.setGroupSeparatorShown(True)
        self.min_pop.setSuffix(" 人")
        self.min_pop_rule = QLabel()
        self.min_pop_rule.setWordWrap(True)
        self.min_pop_rule.setStyleSheet("color: #555;")
        self.author = QLineEdit()
        self.notes = QLineEdit()
        form.addRow("案の名前", self.name)
        form.addRow("作り方（テンプレート）", self.template)
        form.addRow("", self.explain)
        form.addRow("基にする圏域レイヤー", self.layer)
        form.addRow("基にする案", self.base)
        form.addRow("分けて作る圏域", self.split_name)
        form.addRow("その圏域に移す市区町村", self.split_units)
        form.addRow("", self.wards)
        form.addRow("最小人口（自動提案）", self.min_pop)
        form.addRow("", self.min_pop_rule)
        form.addRow("作成者", self.author)
        form.addRow("メモ", self.notes)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("作成する")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.fields: dict[str, tuple[QWidget, ...]] = {
            "layer": (self.layer,),
            "base": (self.base,),
            "split": (self.split_name, self.split_units),
            "wards": (self.wards,),
            "min_population": (self.min_pop, self.min_pop_rule),
        }
        self.layer.currentIndexChanged.connect(lambda _i: self.reload_choices())
        self.base.currentIndexChanged.connect(lambda _i: self.reload_choices())
        self.template.currentIndexChanged.connect(lambda _i: self._template_changed())
        self.split_units.itemSelectionChanged.connect(self._update_ok)
        self.split_name.textChanged.connect(lambda _t: self._update_ok())
        self.name.textChanged.connect(lambda _t: self._update_ok())
        self.reload_choices()

    def _make_split_fields(self, munis: Any) -> None:
        """B: the name of the new 圏域 and the municipalities moved into it (names, not codes)."""
        self.split_name = QLineEdit()
        self.split_name.setPlaceholderText("新しい圏域の名前（例: 東部北）")
        self.split_units = QListWidget()
        self.split_units.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.split_units.setMaximumHeight(140)
        for row in munis.itertuples(index=False) if munis is not None else []:
            it = QListWidgetItem(str(row.full_name or row.name))
            it.setData(Qt.ItemDataRole.UserRole, str(row.code))
            self.split_units.addItem(it)

    def reload_choices(self) -> None:
        """Ask the core which templates apply with the chosen layer and base option."""
        from zaitaku_map.options import template_choices

        keep = self.template.currentData()
        choices = template_choices(self.project, layer=self.layer.currentText(), base=self.base.currentData())
        self.choices = {c.key: c for c in choices}
        self.template.blockSignals(True)
        self.template.clear()
        model = self.template.model()
        for c in choices:
            self.template.addItem(c.label if c.available else f"{c.label}（使えません）", c.key)
            if not c.available and isinstance(model, QStandardItemModel):
                item = model.item(self.template.count() - 1)
                item.setEnabled(False)
                item.setToolTip(c.reason or "")
        first = next((c.key for c in choices if c.available), None)
        idx = self.template.findData(keep if keep in self.choices and self.choices[keep].available else first)
        self.template.setCurrentIndex(max(idx, 0))
        self.template.blockSignals(False)
        proposed = self.choices.get("proposed")
        default = proposed.min_population if proposed else None
        if default is not None:
            self.min_pop.setValue(int(default.value or 0))
            self.min_pop_rule.setText(default.rule)
        self._template_changed()

    def _template_changed(self) -> None:
        c = self.choices.get(self.template.currentData())
        lines = [] if c is None else [_TEMPLATE_HELP.get(c.key, "")]
        unavailable = [
            f"・{x.label}: {x.reason}" for x in self.choices.values() if not x.available and x.reason
        ]
        if c is not None and c.note and c.key != "proposed":
            lines.append(c.note)
        if unavailable:
            lines.append("使えない作り方:\n" + "\n".join(unavailable))
        self.explain.setText("\n".join(line for line in lines if line))
        params = set(c.parameters) if c is not None else set()
        for key, widgets in self.fields.items():
            for w in widgets:
                w.setEnabled(key in params)
        self._update_ok()

    def _update_ok(self) -> None:
        c = self.choices.get(self.template.currentData())
        ok = c is not None and c.available and bool(self.name.text().strip())
        if ok and c is not None and "split" in c.parameters:
            ok = bool(self.split_name.text().strip()) and bool(self.split_units.selectedItems())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def values(self) -> dict[str, Any]:
        """The keyword arguments of :func:`zaitaku_map.options.create_option`."""
        key = self.template.currentData()
        params = set(self.choices[key].parameters) if key in self.choices else set()
        kw: dict[str, Any] = {"template": key, "author": self.author.text(), "notes": self.notes.text()}
        if "layer" in params:
            kw["layer"] = self.layer.currentText()
        if "base" in params and self.base.currentData():
            kw["base"] = self.base.currentData()
        if "split" in params:
            kw["split"] = {
                self.split_name.text().strip(): [
                    str(it.data(Qt.ItemDataRole.UserRole)) for it in self.split_units.selectedItems()
                ]
            }
        if "wards" in params:
            kw["wards"] = self.wards.isChecked()
        if "min_population" in params:
            kw["min_population"] = self.min_pop.value()
        return {"name": self.name.text().strip(), **kw}


_TEMPLATE_HELP = {
    "area": "圏域レイヤー（二次医療圏など）の各圏域を、そのまま1つの在宅医療の圏域にします。",
    "area_split": "Aを基に、選んだ市区町村を新しい圏域に分けます（あとで地図のクリックでも直せます）。",
    "designated_city": "Aを基に、政令市（またはその区）を独立した圏域にします。",
    "municipal": "市区町村ごとに1つの圏域にします（比較の出発点に）。",
    "proposed": "市区町村のつながりと人口・施設の条件から、圏域を自動で提案します。",
}


def _free_name(existing: list[str]) -> str:
    n = len(existing) + 1
    while f"案{n}" in existing:
        n += 1
    return f"案{n}"
