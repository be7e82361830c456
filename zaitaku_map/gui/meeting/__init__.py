"""会議モード: the committee explores the options live, on a projector (issue 21).

- :mod:`.mapview` — the map page (one large map, or two options side by side with synchronised pan
  and zoom) in QtWebEngine, offline, sharing its map code with the 委員配布用 viewer;
- :mod:`.session` — what the meeting is doing: the options shown, live edits on working copies,
  notes, the meeting record (all through the Qt-free core, ``zaitaku_map.options.meeting``);
- :mod:`.strip` — the headline numbers per 圏域 in large type;
- :mod:`.window` — the full-screen window: big option tabs (← →), big toggles, the strip, Esc;
- :mod:`.run` — ``zaitaku-map gui PROJECT --meeting [--option NAME] [--size WxH] --screenshot PNG``.
"""
