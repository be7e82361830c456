"""Turn core errors into Japanese messages: what happened, where, and what to do.

Used by the CLI (``zaitaku_map.cli``) and the GUI error dialog; nothing else formats errors.
"""

from __future__ import annotations

import re
from pathlib import Path

from zaitaku_map import errors as E

_WHAT: list[tuple[type[E.ZaitakuError], str, str]] = [
    (E.Cancelled, "処理を中止しました。", "変更は保存されていません。"),
    (
        E.ProjectBusyError,
        "他の処理がこのプロジェクトを使用中です。",
        "別のウィンドウやコマンドの処理（取り込み・計算など）が終わってから、もう一度実行してください。"
        "このプロジェクトは変更していません。",
    ),
    (
        E.ProjectReadOnlyError,
        "プロジェクトファイルに書き込めません（読み取り専用のファイル・フォルダ・媒体です）。",
        "書き込みできる場所にコピーして開くか、読み取り専用の設定を解除してください。"
        "このプロジェクトは変更していません。",
    ),
    (
        E.ProjectDamagedError,
        "プロジェクトファイルが壊れていて、一部を読めません。",
        "壊れる前のコピー（バックアップ）があればそちらを開いてください。なければ新しいプロジェクトを作り、"
        "元のファイルを取り込み直してください。このファイルは変更していません。",
    ),
    (
        E.StorageFullError,
        "ディスクの空き容量が足りません。",
        "空き容量を増やしてから、もう一度実行してください（一時フォルダ TMPDIR の場所も確認してください）。"
        "途中まで書いたものは残していません。",
    ),
    (
        E.ResourceLimitError,
        "ファイルが大きすぎるか、圧縮率や値の長さが異常なため読み込みません。",
        "ファイルが壊れていないか確認してください。正しいファイルなら、設定の上限"
        "（settings.json の limits、README「上限の設定」）を上げてから読み込んでください。",
    ),
    (
        E.NotAProjectError,
        "このファイルは zaitaku-map のプロジェクトではありません。",
        "プロジェクトファイル（.gpkg）を選んでください。ファイルは変更していません。",
    ),
    (
        E.SchemaTooNewError,
        "このプロジェクトは新しい版の zaitaku-map で作られています。",
        "zaitaku-map を更新してから開いてください。ファイルは変更していません。",
    ),
    (
        E.UnsupportedFormatError,
        "対応していない形式のファイルです。",
        "医療情報ネット・介護サービス情報公表・厚生局名簿・CSV/Excel 表・GIS レイヤーのいずれかを指定してください。",
    ),
    (
        E.NetworkDataError,
        "道路ネットワークのデータを読み込めません。",
        "OpenStreetMap の .osm.pbf / .osm、または osmnx の GraphML を指定してください。",
    ),
    (E.GeodataError, "境界・圏域・人口のデータを読み込めません。", "ファイルの形式と列を確認してください。"),
    (
        E.InputDataError,
        "入力データに問題があります。",
        "指摘された行・列を確認して修正してから、もう一度読み込んでください。",
    ),
    (
        E.ProjectError,
        "プロジェクトファイルを開けない、または書き込めません。",
        "ファイルの場所と書き込み権限を確認してください。",
    ),
    (
        E.AnalysisError,
        "分析を実行できません。",
        "必要なデータ（境界・施設・人口など）が読み込まれているか確認してください。",
    ),
    (
        E.ExportError,
        "出力ファイルを書き込めません。",
        "保存先のフォルダと、ファイルが他のアプリで開かれていないかを確認してください。",
    ),
    (E.ZaitakuError, "処理中にエラーが発生しました。", "詳細をコピーして担当者に連絡してください。"),
]


def location_ja(err: E.ZaitakuError) -> str:
    """``ファイル: x.csv / シート: … / 行: 12 / 列: 住所`` (empty when unknown)."""
    parts = []
    if err.file:
        parts.append(f"ファイル: {Path(err.file).name}")
    if err.sheet:
        parts.append(f"シート: {err.sheet}")
    if err.row is not None:
        parts.append(f"行: {err.row}")
    if err.column:
        parts.append(f"列: {err.column}")
    return " / ".join(parts)


# The core raises with English messages (for logs and --json); users read these instead.  A message
# not listed here is left out of the Japanese text (the sentence of its error class, the place, the
# value and what to do still say what happened); it stays in the log and in the dialog's details.
MESSAGES_JA: dict[str, str] = {
    "no row of the table matches a municipality of the project": "表のどの行もプロジェクトの市区町村に一致しません。",
    "no municipality code of the project in the table": "表にプロジェクトの市区町村コードがありません。",
    "file not recognised": "ファイルの種類を判定できません。",
    "no file could be imported": "取り込めるファイルがありません。",
    "empty file": "ファイルが空です。",
    "file not found": "ファイルが見つかりません。",
    "file does not exist": "ファイルが見つかりません。",
    "reference file not found": "位置参照のファイルが見つかりません。",
    "road network file not found": "道路網のファイルが見つかりません。",
    "table file not found": "表のファイルが見つかりません。",
    "JSON is not a list of town points": "JSON が町丁目の代表点の一覧ではありません。",
    "no usable town points": "使える町丁目の代表点がありません。",
    "unknown municipality for the reference": "位置参照の市区町村が分かりません。",
    "cannot tell which municipality the town points belong to": "町丁目の代表点がどの市区町村のものか判定できません。",
    "the town-point file names no municipality and no boundaries are loaded": (
        "町丁目の代表点のファイルに市区町村が書かれておらず、行政区域も未取込です。"
    ),
    "zip holds no CSV table": "zip に取り込める表がありません。",
    "workbook has no table": "Excel ブックに表がありません。",
    "JSON file is not GeoJSON": "JSON ファイルが GeoJSON ではありません。",
    "a folder is not a file": "フォルダはファイルとしては取り込めません。",
    "text encoding not recognised": "文字コードを判定できません。",
    "the project has no municipalities yet": "プロジェクトにまだ市区町村がありません。",
    "no population column recognised": "人口の列が見つかりません。",
    "the same mesh cell with different values in two files": "同じメッシュが2つのファイルに違う値で入っています。",
    "mapping must be a JSON object": "列の対応の JSON がオブジェクトではありません。",
    "invalid prefecture code": "都道府県コードが正しくありません。",
    "reference date not understood": "基準日を日付として読めません。",
    "project file not found": "プロジェクトファイルが見つかりません。",
    "option name is empty": "案の名前が空です。",
    "minutes must be positive": "時間は正の数で指定してください。",
    "parameter must be positive": "条件の値が正しくありません。",
    "bands must be positive minutes": "時間（分）の値が正しくありません。",
    "congestion factor must be in (0, 1.5]": "混雑係数の値が正しくありません。",
    "speed must be between 0 and 200 km/h": "速度の値が正しくありません。",
    "speed is not a number": "速度が数ではありません。",
    "start point outside Japan": "起点が日本の範囲外です。",
    "invalid 圏域 colour": "圏域の色が正しくありません。",
    "boundary geometry not readable": "形状を読めません。",
    "the stored road network is damaged": "保存されている道路網が壊れています。",
}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def message_ja(message: str) -> str:
    """The Japanese of a core message: itself when it is Japanese, else the listed translation,
    else nothing (never English in front of the user)."""
    if message in MESSAGES_JA:  # listed first: a message may hold a Japanese word in English text
        return MESSAGES_JA[message]
    return message if _JAPANESE.search(message or "") else ""


def to_japanese(err: BaseException) -> tuple[str, str, str]:
    """Return ``(what happened, where, what to do)`` in Japanese for any exception."""
    if not isinstance(err, E.ZaitakuError):
        mapped = E.environment_error(err)
        if mapped is not None:
            return to_japanese(mapped)
        if isinstance(err, FileNotFoundError):
            return (f"ファイルが見つかりません: {err.filename}", "", "パスを確認してください。")
        if isinstance(err, PermissionError):
            return (
                f"ファイルにアクセスできません: {err.filename}",
                "",
                "権限と、他のアプリで開いていないかを確認してください。",
            )
        if isinstance(err, MemoryError):
            return ("メモリが不足しました。", "", "対象地域を絞るか、他のアプリを閉じてください。")
        if isinstance(err, OSError):
            return (
                f"ファイルを読み書きできません: {err.strerror or err}",
                f"ファイル: {Path(err.filename).name}" if err.filename else "",
                "ファイルの場所・権限・空き容量を確認してください。",
            )
        return ("予期しないエラーが発生しました。", "", "詳細をコピーして担当者に連絡してください。")
    for cls, what, todo in _WHAT:
        if isinstance(err, cls):
            detail = message_ja(err.message)
            if err.value is not None:
                detail += f"（値: {err.value}）"
            if err.expected:
                detail += f"（期待される内容: {err.expected}）"
            return (f"{what} {detail}".rstrip(), location_ja(err), err.hint or todo)
    raise AssertionError("unreachable")  # pragma: no cover


def format_error(err: BaseException) -> str:
    """One block of Japanese text for a terminal or a dialog."""
    what, where, todo = to_japanese(err)
    lines = [f"エラー: {what}"]
    if where:
        lines.append(f"場所: {where}")
    lines.append(f"対処: {todo}")
    return "\n".join(lines)
