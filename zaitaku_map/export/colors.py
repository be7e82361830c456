"""Colours a committee can tell apart: 圏域 fills from colouring the adjacency graph with a
colour-blind-safe palette, and a distance to check that neighbours really differ.

The palette is Paul Tol's *light* scheme (made for filled areas under labels, distinct for the
common red–green colour deficiencies) without its grey, which the maps keep for land outside the
option.  Colours are compared in CIELAB (ΔE*ab, CIE 1976) for normal vision and for simulated
protanopia and deuteranopia (Machado, Oliveira & Fernandes 2009, severity 1); the distance of two
colours is the smallest of the three, so "neighbours differ" holds for those readers too.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

# Paul Tol, "light" qualitative scheme (https://personal.sron.nl/~pault/), grey #DDDDDD left out
KEN_PALETTE: tuple[str, ...] = (
    "#77AADD",
    "#EE8866",
    "#44BB99",
    "#EEDD88",
    "#FFAABB",
    "#99DDFF",
    "#BBCC33",
    "#AAAA00",
)
# the smallest distance (ΔE*ab under normal, protan and deutan vision) the colouring guarantees
# between neighbouring 圏域 whenever the palette allows it (tested on the demo and synthetic options)
MIN_NEIGHBOUR_DISTANCE = 20.0

K = TypeVar("K", bound=Hashable)

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

_CVD: dict[str, np.ndarray] = {
    "normal": np.eye(3),
    "protan": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deutan": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}
_RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def is_hex_color(value: object) -> bool:
    """``#rrggbb`` (what matplotlib, QGIS styles and the HTML map all accept)."""
    return isinstance(value, str) and bool(_HEX.match(value))


def _linear(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    c = np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = (_RGB_TO_XYZ @ np.clip(linear_rgb, 0, 1)) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def color_distance(a: str, b: str) -> float:
    """Smallest ΔE*ab between two ``#rrggbb`` colours over normal, protan and deutan vision."""
    la, lb = _linear(a), _linear(b)
    return float(min(np.linalg.norm(_lab(m @ la) - _lab(m @ lb)) for m in _CVD.values()))


def assign_colors(
    keys: Sequence[K],
    neighbours: Mapping[K, set[K]],
    *,
    palette: Sequence[str] = KEN_PALETTE,
    previous: Mapping[K, str] | None = None,
) -> dict[K, str]:
    """Colour a graph so that every node gets its own colour while the palette has enough, and
    neighbours get colours as far apart as the palette allows.

    ``previous`` (e.g. the colours of the option a working copy came from) is kept for every node
    whose previous colour is in the palette, unused by another kept node and at least
    :data:`MIN_NEIGHBOUR_DISTANCE` from its kept neighbours, so a small edit does not recolour the
    map.  The rest are taken in DSatur order (most differently coloured neighbours first, then most
    neighbours, then the given order); each gets the colour whose smallest distance to its coloured
    neighbours is largest, preferring a colour no other node has (then the least used one, then
    palette order).  Deterministic.
    """
    dist = np.array([[color_distance(a, b) if a != b else 0.0 for b in palette] for a in palette])
    order = {k: i for i, k in enumerate(keys)}
    adj = {k: {n for n in neighbours.get(k, set()) if n in order and n != k} for k in keys}
    out: dict[K, int] = {}
    used = np.zeros(len(palette), dtype=int)
    index = {c.upper(): i for i, c in enumerate(palette)}
    for k in keys:  # keep the previous colours that still work
        c = index.get(str((previous or {}).get(k, "")).upper())
        if c is None or used[c] or any(n in out and dist[c, out[n]] < MIN_NEIGHBOUR_DISTANCE for n in adj[k]):
            continue
        out[k] = c
        used[c] += 1
    while len(out) < len(keys):
        todo = [k for k in keys if k not in out]
        node = max(
            todo,
            key=lambda k: (len({out[n] for n in adj[k] if n in out}), len(adj[k]), -order[k]),
        )
        coloured = [out[n] for n in adj[node] if n in out]
        spare = len(keys) - len(out) <= int((used == 0).sum())  # enough unused colours for the rest

        taken = [j for j in range(len(palette)) if used[j]]

        def score(
            c: int, coloured: list[int] = coloured, spare: bool = spare, taken: list[int] = taken
        ) -> tuple[float, ...]:
            far = min(dist[c, j] for j in coloured) if coloured else np.inf
            if spare:  # a colour of its own first, far from neighbours, then far from every colour used
                apart = min(dist[c, j] for j in taken) if taken else np.inf
                own = float(used[c] > 0 or far < MIN_NEIGHBOUR_DISTANCE)
                return (own, -min(far, 2 * MIN_NEIGHBOUR_DISTANCE), -apart, float(c))
            return (-far, float(used[c]), float(c))

        best = min(range(len(palette)), key=score)
        out[node] = best
        used[best] += 1
    return {k: palette[out[k]] for k in keys}


def neighbour_distances(colors: Mapping[K, str], neighbours: Mapping[K, set[K]]) -> dict[tuple[K, K], float]:
    """Colour distance of every adjacent pair (each pair once, in ``colors`` order)."""
    keys = list(colors)
    pos = {k: i for i, k in enumerate(keys)}
    out: dict[tuple[K, K], float] = {}
    for a in keys:
        for b in neighbours.get(a, set()):
            if b in pos and pos[a] < pos[b]:
                out[(a, b)] = color_distance(colors[a], colors[b])
    return out
