"""Ingest: import a folder (or zip, or any list) of mixed official downloads in one step.

- :func:`detect_file` tells by content what a file is (:class:`Detection`: boundaries, A38,
  area tables, population, projections, facility lists, geocoding references, roads);
- :func:`plan_import` orders the files by dependency (:data:`KIND_ORDER`), :func:`run_plan`
  imports them file by file (each its own transaction: one failing file leaves the others
  imported) and geocodes, with one progress bar; :func:`import_paths` does all three;
- :mod:`zaitaku_map.ingest.report` renders every import and geocoding report in Japanese, the same
  lines for the CLI and the GUI.

The package sits above coverage and below options (it uses the importers, geodata, geocode,
network and demand packages; the CLI and GUI use it).
"""

from __future__ import annotations

from zaitaku_map.ingest.detect import KIND_ORDER, DataKind, Detection, detect_file, guess_layer
from zaitaku_map.ingest.run import (
    IngestReport,
    Plan,
    Step,
    StepResult,
    expand_inputs,
    import_paths,
    import_references,
    plan_import,
    run_plan,
)

__all__ = [
    "KIND_ORDER",
    "DataKind",
    "Detection",
    "IngestReport",
    "Plan",
    "Step",
    "StepResult",
    "detect_file",
    "expand_inputs",
    "guess_layer",
    "import_paths",
    "import_references",
    "plan_import",
    "run_plan",
]
