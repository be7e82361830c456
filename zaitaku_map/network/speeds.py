"""Road classes, the editable speed table and ``maxspeed`` parsing.

Travel speed of an edge = ``min(class speed, posted maxspeed)`` × congestion factor.  The class
speeds are *average running speeds* (signals, junctions and parking included), not limits: Japanese
legal limits are 60 km/h on ordinary roads and 100 km/h on expressways, but the 道路交通センサス
average travel speeds in daytime are ≈ 80 km/h on 高速道路, 35–45 km/h on 一般国道, 30–35 on
都道府県道 and 20–30 on 市町村道 (lower in DID areas).  The posted ``maxspeed`` only ever lowers the
class speed (a 30 km/h zone on a residential street), never raises it.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zaitaku_map.errors import NetworkDataError
from zaitaku_map.labels import ROAD_CLASS_LABELS

# Drive-network classes, in hierarchy order.  The integer code is the index (stored per edge).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
    "road",
)
CLASS_CODE: dict[str, int] = {c: i for i, c in enumerate(ROAD_CLASSES)}

# Average running speeds (km/h) used when nothing else is known (see module docstring).
DEFAULT_SPEEDS: dict[str, float] = {
    "motorway": 80.0,
    "trunk": 50.0,
    "primary": 40.0,
    "secondary": 35.0,
    "tertiary": 30.0,
    "unclassified": 25.0,
    "residential": 25.0,
    "living_street": 15.0,
    "service": 15.0,
    "motorway_link": 40.0,
    "trunk_link": 30.0,
    "primary_link": 30.0,
    "secondary_link": 25.0,
    "tertiary_link": 25.0,
    "road": 20.0,
}

CLASS_LABELS_JA = ROAD_CLASS_LABELS  # Japanese names live in zaitaku_map.labels

# ``maxspeed`` zone values (legal limits; 道路交通法施行令 第11条, 第27条)
ZONE_SPEEDS: dict[str, float] = {
    "jp:motorway": 100.0,
    "jp:expressway": 100.0,
    "jp:trunk": 60.0,
    "jp:rural": 60.0,
    "jp:urban": 60.0,
    "jp:nsl": 60.0,
    "jp:living_street": 30.0,
    "jp:zone30": 30.0,
}
_NUM_UNIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots|kn)?\s*$", re.IGNORECASE)


def parse_maxspeed(value: Any) -> float | None:
    """Parse an OSM ``maxspeed`` tag into km/h; ``None`` when missing or unusable.

    Accepts ``"40"``, ``"40 km/h"``, ``"25 mph"``, ``"JP:urban"`` style zones, lists such as
    ``"40;50"`` (the lowest wins) and rejects junk (``"signals"``, ``"none"``, ``"0"``, ``"abc"``).
    """
    if value is None:
        return None
    if isinstance(value, int | float):
        v = float(value)
        return v if 0 < v <= 200 and math.isfinite(v) else None
    text = str(value).strip().lower()
    if not text:
        return None
    parts = [p for p in re.split(r"[;|]", text) if p.strip()]
    if len(parts) > 1:
        vals = [v for v in (parse_maxspeed(p) for p in parts) if v is not None]
        return min(vals) if vals else None
    if text in ZONE_SPEEDS:
        return ZONE_SPEEDS[text]
    if ":" in text:  # other country/zone codes, e.g. "jp:motorway_link"
        _, _, zone = text.partition(":")
        if "motorway" in zone or "expressway" in zone:
            return 100.0
        m = re.search(r"(\d+)", zone)
        if m:
            return parse_maxspeed(m.group(1))
        return None
    m = _NUM_UNIT.match(text)
    if not m:
        return None
    v = float(m.group(1).replace(",", "."))
    unit = (m.group(2) or "km/h").lower()
    if unit == "mph":
        v *= 1.609344
    elif unit in ("knots", "kn"):
        v *= 1.852
    return v if 0 < v <= 200 else None


@dataclass
class SpeedTable:
    """Editable average speeds per road class plus an optional congestion factor.

    Parameters
    ----------
    speeds:
        km/h per class key of :data:`ROAD_CLASSES` (missing keys use :data:`DEFAULT_SPEEDS`).
    congestion_factor:
        Multiplies every road speed (e.g. 0.8 for urban peak-hour congestion); 1.0 = none.
    use_maxspeed:
        Let a lower posted ``maxspeed`` cap the class speed.
    """

    speeds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS))
    congestion_factor: float = 1.0
    use_maxspeed: bool = True

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_SPEEDS)
        for k, v in (self.speeds or {}).items():
            key = str(k).strip()
            if key not in CLASS_CODE:
                raise NetworkDataError(
                    "unknown road class in speed table",
                    column="class",
                    value=key,
                    expected=", ".join(ROAD_CLASSES),
                )
            try:
                fv = float(v)
            except (TypeError, ValueError):
                raise NetworkDataError("speed is not a number", column=key, value=v) from None
            if not (0 < fv <= 200):
                raise NetworkDataError(
                    "speed must be between 0 and 200 km/h",
                    column=key,
                    value=v,
                    expected="0 より大きく 200 km/h 以下",
                    hint="速度表の速度は 0 より大きく 200 以下の km/h で指定してください。",
                )
            merged[key] = fv
        self.speeds = merged
        if not (0 < float(self.congestion_factor) <= 1.5):
            raise NetworkDataError(
                "congestion factor must be in (0, 1.5]",
                column="congestion_factor",
                value=self.congestion_factor,
                expected="0 より大きく 1.5 以下",
                hint="混雑係数は 0 より大きく 1.5 以下の数で指定してください（1 = 速度表どおり）。",
            )
        self.congestion_factor = float(self.congestion_factor)

    def class_speed_array(self) -> list[float]:
        """Speed per class code (index of :data:`ROAD_CLASSES`), congestion applied."""
        return [self.speeds[c] * self.congestion_factor for c in ROAD_CLASSES]

    def is_default(self) -> bool:
        return self.speeds == DEFAULT_SPEEDS and self.congestion_factor == 1.0 and self.use_maxspeed

    def to_dict(self) -> dict[str, Any]:
        return {
            "speeds_kmh": dict(self.speeds),
            "congestion_factor": self.congestion_factor,
            "use_maxspeed": self.use_maxspeed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SpeedTable:
        speeds = data.get("speeds_kmh", data.get("speeds", {}))
        if not isinstance(speeds, dict):
            raise NetworkDataError("speed table: 'speeds_kmh' must be an object of class → km/h")
        return cls(
            speeds=speeds,
            congestion_factor=float(data.get("congestion_factor", 1.0)),
            use_maxspeed=bool(data.get("use_maxspeed", True)),
        )

    def describe_ja(self) -> str:
        """Short Japanese description, e.g. ``速度表: 高速80/国道50/…``."""
        parts = [
            f"{CLASS_LABELS_JA[c]}{self.speeds[c]:g}"
            for c in ("motorway", "trunk", "primary", "secondary", "tertiary", "residential")
        ]
        return "速度表(km/h): " + "/".join(parts)


def load_speed_table(path: str | Path) -> SpeedTable:
    """Read a speed table from JSON (``{"speeds_kmh": {...}, "congestion_factor": 0.8}`` or a flat
    ``{"motorway": 80, ...}``) or CSV with columns ``class,speed_kmh`` (a row ``congestion_factor``
    in the class column sets the factor)."""
    p = Path(path)
    if not p.is_file():
        raise NetworkDataError("speed table file not found", file=p)
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NetworkDataError(f"invalid JSON: {exc.msg}", file=p, row=exc.lineno) from None
        if not isinstance(data, dict):
            raise NetworkDataError("speed table JSON must be an object", file=p)
        if "speeds_kmh" in data or "speeds" in data:
            try:
                return SpeedTable.from_dict(data)
            except NetworkDataError as err:
                err.file = str(p)
                raise
        cf = data.pop("congestion_factor", 1.0)
        try:
            return SpeedTable(speeds=data, congestion_factor=cf)
        except NetworkDataError as err:
            err.file = str(p)
            raise
    speeds: dict[str, float] = {}
    cf = 1.0
    reader = csv.reader(text.splitlines())
    for i, row in enumerate(reader, start=1):
        if not row or not row[0].strip() or row[0].strip().startswith("#"):
            continue
        key = row[0].strip()
        if i == 1 and key.lower() in ("class", "highway", "road_class", "道路種別"):
            continue
        if len(row) < 2:
            raise NetworkDataError(
                "missing speed", file=p, row=i, value=",".join(row), expected="class,speed_kmh"
            )
        try:
            val = float(row[1])
        except ValueError:
            raise NetworkDataError(
                "speed is not a number", file=p, row=i, column="speed_kmh", value=row[1]
            ) from None
        if key == "congestion_factor":
            cf = val
        else:
            speeds[key] = val
    try:
        return SpeedTable(speeds=speeds, congestion_factor=cf)
    except NetworkDataError as err:
        err.file = str(p)
        raise
