"""The one way to open an archive-based file (docx, xlsx, pptx, odt, ods, odp, zip): its
directory is checked against limits before anything is unpacked, so a small upload cannot
inflate to gigabytes in whatever reads it next (evidence checks today; minutes and
spreadsheet imports later).

zipfile never unpacks a member past the size its directory declares (and checks its CRC),
so the declared sizes are real bounds: checking them is enough.
"""

import io
import zipfile
import zlib
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from tracker.core.refusals import Refused

MAX_MEMBERS = 5_000
MAX_UNPACKED = 100 * 1024 * 1024  # all members together
# Office files compress text well, to about a tenth; a bomb is a thousandth or less.
MAX_RATIO = 200
RATIO_FROM = 1024 * 1024  # small members may compress as well as they like


class ArchiveRefused(Refused):
    """The archive is not one the tracker opens."""

    default_field = "file"


def open_archive(source: bytes | BinaryIO, *, max_unpacked: int = MAX_UNPACKED) -> zipfile.ZipFile:
    """The archive, once its directory is within the limits (``max_unpacked`` lower for a
    kind of file that is never that big); ArchiveRefused otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError,
            NotImplementedError):  # an unknown "zip file version" in a damaged directory
        raise ArchiveRefused(_l("This file is not a readable archive (it may be damaged).")) \
            from None
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(_l("This file holds more than %(count)d parts.", count=MAX_MEMBERS))
    if sum(member.file_size for member in members) > max_unpacked:
        raise ArchiveRefused(_l("This file unpacks to more than %(size)d MB.",
                                size=max(max_unpacked // (1024 * 1024), 1)))
    for member in members:
        if member.file_size > RATIO_FROM and \
                member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ArchiveRefused(_l("This file is compressed far more than any document is: "
                                    "it looks built to fill the server's memory."))
    return archive


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One member's content, refused if it unpacks to more than ``limit`` bytes."""
    try:
        with archive.open(name) as member:
            data = member.read(limit + 1)
    except (KeyError, zipfile.BadZipFile, OSError, NotImplementedError, ValueError,
            zlib.error):  # a damaged header can seek before the start; bad deflate data
        raise ArchiveRefused(_l("This file is not a readable archive (it may be damaged).")) \
            from None
    if len(data) > limit:
        raise ArchiveRefused(_l("A part of this file is larger than %(size)d MB.",
                                size=max(limit // (1024 * 1024), 1)))
    return data
