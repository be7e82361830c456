"""Reading zip archives within limits.

Official downloads come as zips (医療情報ネット, 国土数値情報, 位置参照情報).  A zip says how large each
member is, but a hostile or broken one may lie or hold a member compressed a thousandfold; reading
it whole would take the machine's memory or temp space.  So every member is read here, and only
here:

- before reading, its declared size is checked against :attr:`Limits.zip_member_mb` and its
  compression ratio against :attr:`Limits.zip_ratio` (a member over a limit is refused with
  :class:`~zaitaku_map.errors.ResourceLimitError`, naming the member);
- while reading, the bytes actually produced are counted, so a member that is larger than it says
  is stopped at the limit;
- members are streamed (:func:`open_member`) or extracted chunk by chunk to a folder after checking
  the free space there (:func:`extract`), never loaded whole or copied without a bound;
- a corrupt member (bad CRC, broken deflate stream, truncated archive) is reported with its name
  (:class:`~zaitaku_map.errors.InputDataError`), never skipped without a word.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from zaitaku_map.errors import InputDataError, ResourceLimitError, StorageFullError, UnsupportedFormatError
from zaitaku_map.settings import Limits, limits

_COPY_CHUNK = 1 << 20
# errors zipfile/zlib raise for a damaged member or archive
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError)


@dataclass(frozen=True)
class Member:
    """One file inside a zip: its stored name, the name to show, and its sizes in bytes."""

    name: str  # as stored (use it to open the member)
    display_name: str  # CP932 names written by Japanese Windows tools recovered
    size: int
    compressed: int


def decode_member_name(name: str) -> str:
    """Zip members written by Japanese Windows tools lack the UTF-8 flag: recover CP932 names."""
    try:
        return name.encode("cp437").decode("cp932")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def is_zip(path: str | Path) -> bool:
    """Whether ``path`` is a zip archive (by content)."""
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def members(path: str | Path) -> list[Member]:
    """The files of a zip (folders and macOS metadata left out).

    Raises
    ------
    UnsupportedFormatError
        The file is not a readable zip.
    """
    p = Path(path)
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except ZIP_ERRORS as exc:
        raise UnsupportedFormatError(f"broken zip file: {exc}", file=p, expected="zip ファイル") from exc
    return [
        Member(i.filename, decode_member_name(i.filename), i.file_size, i.compress_size)
        for i in infos
        if not i.is_dir() and not i.filename.startswith("__MACOSX/") and not _hidden(i.filename)
    ]


def _hidden(name: str) -> bool:
    return PurePosixPath(name).name.startswith("._")


def _size(n: float) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def _where(path: Path, member: str) -> str:
    return f"{path.name}:{decode_member_name(member)}"


def check_member(path: str | Path, info: zipfile.ZipInfo | Member, lim: Limits | None = None) -> None:
    """Refuse a member whose declared size or compression ratio exceeds the limits."""
    lim = lim or limits()
    p = Path(path)
    name = info.filename if isinstance(info, zipfile.ZipInfo) else info.name
    size = info.file_size if isinstance(info, zipfile.ZipInfo) else info.size
    packed = info.compress_size if isinstance(info, zipfile.ZipInfo) else info.compressed
    if size > lim.zip_member_bytes:
        raise ResourceLimitError(
            "zip member larger than the limit",
            file=_where(p, name),
            value=_size(size),
            expected=f"{lim.zip_member_mb:,.0f} MB 以下（limits.zip_member_mb）",
        )
    if size > (1 << 20) and size > lim.zip_ratio * max(packed, 1):
        raise ResourceLimitError(
            "zip member compressed beyond the allowed ratio (zip bomb?)",
            file=_where(p, name),
            value=f"{size / max(packed, 1):,.0f} 倍",
            expected=f"{lim.zip_ratio:,.0f} 倍以下（limits.zip_ratio）",
        )


class _Counted(io.RawIOBase):
    """A read-only stream that stops with :class:`ResourceLimitError` past ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, where: str) -> None:
        self._raw = raw
        self._limit = limit
        self._where = where
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(buffer))
        except ZIP_ERRORS as exc:
            raise InputDataError(
                f"corrupt zip member: {exc}",
                file=self._where,
                hint="zip ファイルをダウンロードし直してください。",
            ) from exc
        n = len(data)
        self.count += n
        if self.count > self._limit:
            raise ResourceLimitError(
                "zip member larger than its limit while reading",
                file=self._where,
                expected=f"{self._limit / 2**20:,.0f} MB 以下（limits.zip_member_mb）",
            )
        buffer[:n] = data
        return n


@contextlib.contextmanager
def open_member(path: str | Path, name: str, *, lim: Limits | None = None) -> Iterator[IO[bytes]]:
    """A buffered binary stream of one member, checked (see module docstring) and counted.

    Reading past the member's limit raises :class:`ResourceLimitError`; a corrupt member raises
    :class:`InputDataError` naming it.
    """
    lim = lim or limits()
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except ZIP_ERRORS as exc:
        raise UnsupportedFormatError(f"broken zip file: {exc}", file=p, expected="zip ファイル") from exc
    with zf:
        try:
            info = zf.getinfo(name)
        except KeyError as exc:
            raise InputDataError("member not found in the zip", file=p, value=name) from exc
        check_member(p, info, lim)
        try:
            raw = zf.open(info)
        except ZIP_ERRORS as exc:
            raise InputDataError(f"corrupt zip member: {exc}", file=_where(p, name)) from exc
        with raw:
            yield io.BufferedReader(_Counted(raw, min(info.file_size, lim.zip_member_bytes), _where(p, name)))


def read_member(path: str | Path, name: str, *, size: int | None = None, lim: Limits | None = None) -> bytes:
    """The bytes of one member (``size``: only its first bytes), within the limits."""
    with open_member(path, name, lim=lim) as fh:
        return fh.read() if size is None else fh.read(size)


def verify(path: str | Path, names: list[str] | None = None, *, lim: Limits | None = None) -> None:
    """Read members through to the end (CRC checked), so a corrupt one is reported before any
    import starts; the limits are checked on the way."""
    for m in members(path) if names is None else [Member(n, n, 0, 0) for n in names]:
        with open_member(path, m.name, lim=lim) as fh:
            while fh.read(_COPY_CHUNK):
                pass


def extract(
    path: str | Path, dest: str | Path, *, names: list[str] | None = None, lim: Limits | None = None
) -> list[Path]:
    """Extract members (all, or ``names``) into ``dest``, streamed and within the limits.

    The declared sizes are checked first — each member, their total against
    :attr:`Limits.zip_total_mb`, and the free space of ``dest`` — then every member is copied in
    1 MB chunks and counted.  Member paths cannot leave ``dest`` (``..`` and absolute parts are
    dropped).

    Raises
    ------
    ResourceLimitError
        A member, or all of them together, exceed the limits.
    StorageFullError
        ``dest`` has not enough free space for the declared sizes (or filled up while copying).
    InputDataError
        A member is corrupt.
    """
    lim = lim or limits()
    p, out = Path(path), Path(dest)
    chosen = [m for m in members(p) if names is None or m.name in names]
    for m in chosen:
        check_member(p, m, lim)
    total = sum(m.size for m in chosen)
    if total > lim.zip_total_bytes:
        raise ResourceLimitError(
            "zip content larger than the limit",
            file=p,
            value=_size(total),
            expected=f"{lim.zip_total_mb:,.0f} MB 以下（limits.zip_total_mb）",
        )
    free = shutil.disk_usage(out).free
    if total > free:
        raise StorageFullError(
            "not enough free space to extract the zip",
            file=p,
            value=_size(total),
            expected=f"空き {_size(free)}",
            where=str(out),
        )
    written: list[Path] = []
    for m in chosen:
        parts = [
            x for x in PurePosixPath(m.display_name.replace("\\", "/")).parts if x not in ("..", "/", "")
        ]
        target = out.joinpath(*parts) if parts else out / "member"
        target.parent.mkdir(parents=True, exist_ok=True)
        with open_member(p, m.name, lim=lim) as src, open(target, "wb") as dst:
            try:
                shutil.copyfileobj(src, dst, _COPY_CHUNK)
            except OSError as exc:
                from zaitaku_map.errors import environment_error

                mapped = environment_error(exc, file=target)
                if mapped is not None:
                    raise mapped from exc
                raise
        written.append(target)
    return written
