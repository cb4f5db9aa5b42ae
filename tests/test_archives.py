"""Archive-based files (office documents) are opened only within limits: a zip bomb is
refused before anything is unpacked, as evidence and through the one opener."""

import io
import tracemalloc
import zipfile

import pytest
from factories import make_user
from workflow_helpers import snapshot

from tracker.core import archives
from tracker.core.archives import ArchiveRefused, open_archive, read_member

MIB = 1024 * 1024


def office_file(**members: int) -> bytes:
    """A docx whose members are that many zero bytes, streamed (never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name, size in members.items():
            with archive.open(f"word/{name}.xml", "w", force_zip64=True) as member:
                for _ in range(size // MIB):
                    member.write(bytes(MIB))
                member.write(bytes(size % MIB))
    return buffer.getvalue()


def test_an_ordinary_office_file_opens_and_reads():
    archive = open_archive(office_file(document=2000))
    assert read_member(archive, "word/document.xml", 10_000) == bytes(2000)


def test_a_bomb_is_refused_before_anything_is_unpacked():
    bomb = office_file(document=200 * MIB)
    assert len(bomb) < MIB  # it uploads easily: 200 MiB of zeros deflate to a few hundred KB
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveRefused):
            open_archive(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * MIB


def test_many_members_or_too_much_in_all_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(archives.MAX_MEMBERS + 1):
            archive.writestr(f"m{n}", b"")
    with pytest.raises(ArchiveRefused, match="parts"):
        open_archive(buffer.getvalue())
    # Each part alone is allowed; together they are more than the limit.
    parts = {f"part{n}": 4 * MIB for n in range(archives.MAX_UNPACKED // (4 * MIB) + 1)}
    with pytest.raises(ArchiveRefused, match="MB"):
        open_archive(office_file(**parts))


def test_a_member_is_never_read_past_the_limit_it_is_given():
    archive = open_archive(office_file(document=3 * 1024))
    with pytest.raises(ArchiveRefused):
        read_member(archive, "word/document.xml", 1024)
    with pytest.raises(ArchiveRefused):
        read_member(archive, "word/missing.xml", 1024)


@pytest.mark.parametrize("data", [b"PK\x03\x04 truncated", b"not a zip at all"])
def test_a_damaged_archive_is_refused_not_a_crash(data):
    with pytest.raises(ArchiveRefused):
        open_archive(data)


def test_a_bomb_as_evidence_is_refused_with_its_reason(seeded, auth):
    auth.login(make_user("focal_point", country="MEX").email)
    before = snapshot()
    response = auth.post("/commitments/MT1-R03-MEX/evidence", {
        "title": "Informe", "dated": "2026-11-20", "visibility": "public", "url": "",
        "file": (io.BytesIO(office_file(document=200 * MIB)), "informe.docx")},
        content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "unpacks to more than 100 MB" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_dense_member_under_the_total_is_refused_for_its_ratio():
    with pytest.raises(ArchiveRefused, match="compressed far more"):
        open_archive(office_file(document=50 * MIB))
