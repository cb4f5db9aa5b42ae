"""What an evidence file must be: an accepted kind by its content (magic numbers), with an
extension that agrees, under a name safe to show and to suggest for a download."""

from pathlib import Path

import filetype

from tracker.core.archives import open_archive

# Accepted kinds, by what the content is (the extension must agree).
ACCEPTED = {
    "application/pdf": {"pdf"},
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": {"pptx"},
    "application/vnd.oasis.opendocument.text": {"odt"},
    "application/vnd.oasis.opendocument.spreadsheet": {"ods"},
    "application/vnd.oasis.opendocument.presentation": {"odp"},
    "application/msword": {"doc"},
    "application/vnd.ms-excel": {"xls"},
    "application/vnd.ms-powerpoint": {"ppt"},
    "text/csv": {"csv"},
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office files share this container
# Office Open XML and OpenDocument files are zip archives: opened only through core.archives.
ARCHIVES = {kind for kind in ACCEPTED if "openxmlformats" in kind or "opendocument" in kind}


def _extension(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def detect_type(filename: str, data: bytes) -> str | None:
    """The accepted MIME type the content really is, if its extension agrees; else None.
    An office file that is an archive beyond core.archives' limits: ArchiveRefused."""
    extension = _extension(filename)
    if data.startswith(OLE2):
        kind = {"doc": "application/msword", "xls": "application/vnd.ms-excel",
                "ppt": "application/vnd.ms-powerpoint"}.get(extension)
    elif extension == "csv":
        kind = "text/csv" if _is_text(data) else None
    else:
        guess = filetype.guess(data)
        kind = guess.mime if guess else None
    if kind not in ACCEPTED or extension not in ACCEPTED[kind]:
        return None
    if kind in ARCHIVES:
        open_archive(data).close()  # ArchiveRefused when it would unpack beyond the limits
    return kind


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:65536]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def safe_filename(filename: str) -> str:
    """The base name only, for display and the download's suggested name."""
    name = Path(filename.replace("\\", "/")).name.strip().lstrip(".")
    return "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?')[:200] or "file"
