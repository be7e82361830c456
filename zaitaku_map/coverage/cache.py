"""Coverage results in the project's ``results_cache`` (keyed by every input that matters)."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from typing import TYPE_CHECKING

import numpy as np

from zaitaku_map.coverage.params import CoverageParams
from zaitaku_map.store import Project

if TYPE_CHECKING:
    from zaitaku_map.coverage.engine import CategoryCoverage

KIND = "coverage"
CACHE_VERSION = 1
MAX_ENTRIES = 64  # older coverage entries are pruned (a few MB each at prefecture scale)


def coverage_key(
    project: Project,
    network_hash: str | None,
    fac_hash: str,
    demand_hash: str,
    params: CoverageParams,
    mode: str,
    category: str,
) -> str:
    return project.cache_key(
        KIND,
        CACHE_VERSION,
        network_hash if mode == "network" else None,
        fac_hash,
        demand_hash,
        params.to_dict(),
        mode,
        category,
    )


def load(project: Project, key: str) -> CategoryCoverage | None:
    """The cached :class:`~zaitaku_map.coverage.engine.CategoryCoverage` or ``None``.

    A cache that cannot be read (a read-only or locked file, an entry written by another version)
    is a miss: the caller computes again.
    """
    from zaitaku_map.coverage.engine import CategoryCoverage

    try:
        blob = project.cache_get(key)
    except sqlite3.Error:
        return None
    if blob is None:
        return None
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return CategoryCoverage(
                meta["category"], z["times"], z["nearest"], z["facility_ids"], meta["unsnapped"]
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def store(project: Project, key: str, cc: CategoryCoverage, params: CoverageParams) -> None:
    buf = io.BytesIO()
    meta = json.dumps({"category": cc.category, "unsnapped": cc.unsnapped}, ensure_ascii=False, default=str)
    np.savez_compressed(
        buf, times=cc.times, nearest=cc.nearest, facility_ids=cc.facility_ids, meta=np.array(meta)
    )
    project.cache_put(key, KIND, buf.getvalue(), params={"category": cc.category, **params.to_dict()})
    with project.transaction():
        project.conn.execute(
            "DELETE FROM results_cache WHERE kind=? AND key NOT IN (SELECT key FROM results_cache WHERE kind=? "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?)",
            (KIND, KIND, MAX_ENTRIES),
        )
