"""``python -m zaitaku_map`` is the same as the ``zaitaku-map`` command."""

from zaitaku_map.cli import main

raise SystemExit(main())
