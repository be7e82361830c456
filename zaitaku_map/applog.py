"""Logging to a rotating file in the user's log directory (and nothing on stdout)."""

from __future__ import annotations

import logging
import logging.handlers

from zaitaku_map.settings import log_dir

_configured = False


def setup_logging(level: int = logging.INFO) -> None:
    """Attach a rotating file handler (1 MB × 5) to the ``zaitaku_map`` logger once."""
    global _configured
    if _configured:
        return
    _configured = True
    logger = logging.getLogger("zaitaku_map")
    logger.setLevel(level)
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            directory / "zaitaku-map.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
