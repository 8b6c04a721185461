"""How big a file one import may be, and from how many rows it runs in the background.

Policy parameters of the importer's region (``import_max_rows``, ``import_max_megabytes``,
``background_rows``): the ledger import reads those of the region covering the user's area,
a cross-check import those of the region the file covers. A file above a cap is refused
before a single row is read, with a message naming the cap and the file's own figure.
"""

import io
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.accounts.scoping import scope_for
from bangfu.regions.models import Region
from bangfu.regions.policy import Policy
from bangfu.registry.ledger.reading import LedgerFileError, open_ledger

MEGABYTE = 1024 * 1024
PROGRESS_EVERY = 1000  # rows read between two reports of progress
_XLSX_MAGIC = b"PK\x03\x04"
# How a row of a worksheet starts in its XML (with or without a namespace prefix). A marker is
# five bytes long: a read of the XML keeps the last four bytes before the next one, so a
# marker cut in two by the read is counted once.
_ROW_MARKERS = (b"<row ", b"<row>", b":row ", b":row>")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ImportLimits:
    max_rows: int
    max_megabytes: int
    background_rows: int

    def check_size(self, size: int) -> None:
        """Refuse a file above the size cap (LedgerFileError), before it is even read."""
        if size > self.max_megabytes * MEGABYTE:
            raise LedgerFileError(
                _(
                    "The file is %(size)s MB; at most %(limit)s MB can be imported at once. "
                    "Split it into smaller files."
                )
                % {"size": f"{size / MEGABYTE:,.1f}", "limit": f"{self.max_megabytes:,}"}
            )

    def check(self, content: bytes, filename: str) -> int:
        """Refuse a file above a cap (LedgerFileError); else return its number of rows."""
        self.check_size(len(content))
        rows = count_rows(content, filename)
        if rows > self.max_rows:
            raise LedgerFileError(
                _(
                    "The file has %(rows)s rows; at most %(limit)s rows can be imported at "
                    "once. Split it into smaller files."
                )
                % {"rows": f"{rows:,}", "limit": f"{self.max_rows:,}"}
            )
        return rows

    def check_upload(self, upload) -> int:
        """``check`` for an uploaded file, whose size is refused before it is even read."""
        self.check_size(upload.size)
        rows = self.check(upload.read(), upload.name)
        upload.seek(0)
        return rows

    def in_background(self, rows: int) -> bool:
        return rows > self.background_rows


def limits_for(region: Region | None) -> ImportLimits:
    """The caps in force in ``region`` this year; without a region, the national ones."""
    # A region with an empty path reads only the rows that apply everywhere.
    policy = Policy(region or Region(path=""), timezone.localdate().year)
    return ImportLimits(
        max_rows=policy["import_max_rows"],
        max_megabytes=policy["import_max_megabytes"],
        background_rows=policy["background_rows"],
    )


def limits_for_user(user) -> ImportLimits:
    """The caps of the lowest region covering the user's whole area (their bureau's region,
    or the township or county of the villages an assistant serves)."""
    scope = scope_for(user)
    paths = [
        *scope.region_paths,
        *Region.objects.filter(pk__in=scope.village_ids).values_list("path", flat=True),
    ]
    if scope.everything or not paths:
        return limits_for(None)
    # Paths are "53/5304/530428/": the common one of two counties of a city is the city's.
    common = posixpath.commonpath(paths)
    return limits_for(Region.objects.filter(path=f"{common}/").first() if common else None)


def count_rows(content: bytes, filename: str) -> int:
    """The rows of a ledger file, header included, without reading its cells: fast enough for
    a request to decide whether the import runs in the background (100,000 rows: 0.5 s)."""
    if content.startswith(_XLSX_MAGIC):
        return _xlsx_rows(content)
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16", errors="replace")
        return text.count("\n") + (not text.endswith("\n"))
    # In UTF-8 and GB18030 no byte of a multi-byte character is a line feed.
    return content.count(b"\n") + (not content.endswith(b"\n"))


def _xlsx_rows(content: bytes) -> int:
    """The rows of the workbook's largest sheet, counted in the sheets' XML: opening the
    workbook with openpyxl would parse a whole sheet that does not declare its size (as files
    written in streaming mode, our own export among them, do not), cell by cell."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [
                name
                for name in archive.namelist()
                if "worksheets/" in name and name.endswith(".xml")
            ]
            counts = []
            for name in sheets:
                with archive.open(name) as xml:
                    counts.append(_count_markers(xml))
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return 0  # not a workbook: the reader refuses it with its own message
    return max(counts, default=0)


def _count_markers(stream) -> int:
    count, tail = 0, b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        count += sum(window.count(marker) for marker in _ROW_MARKERS)
        tail = window[-4:]
    return count


@contextmanager
def open_import(
    content: bytes,
    filename: str,
    *,
    limits: ImportLimits,
    progress: Callable[[int, int], None] | None = None,
    **options,
):
    """``open_ledger`` for an import: a file above the caps is refused first, and
    ``progress(rows read, rows in the file)`` hears of the rows as they are read."""
    total = limits.check(content, filename)
    with open_ledger(content, filename, **options) as sheet:
        if progress is not None:
            sheet.rows = _reported(sheet.rows, progress, total)
        yield sheet


def _reported(rows: Iterator[tuple[int, tuple]], progress, total: int):
    number = 0
    for number, values in rows:
        if number % PROGRESS_EVERY == 0:
            progress(number, total)
        yield number, values
    progress(max(number, total), max(number, total))
