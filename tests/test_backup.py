"""`flask backup`: a backup restored into a new, empty database has the same ledger head,
verifies, and holds the same rows and evidence files; a damaged backup, a non-empty target
or a non-empty folder is refused and changes nothing."""

import hashlib
import json
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from conftest import DATABASE_URL, ON_POSTGRES, engine_of, make_config, running_app
from factories import commitment, make_evidence, make_user, report_status
from sqlalchemy.engine import make_url
from workflow_helpers import add_restricted_evidence

from tracker import create_app
from tracker.extensions import db
from tracker.operations import backup, dumps
from tracker.operations.manifest import BackupError

DUMP = "database.pgdump" if ON_POSTGRES else "database.sqlite3"


def _sqlite_url(folder: Path) -> dict:
    """On SQLite, a file (an in-memory database has nothing to back up)."""
    return {} if ON_POSTGRES else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}"}


@pytest.fixture
def source(tmp_path, seed_image):
    """The seeded database with status updates and evidence (a file and links)."""
    folder = tmp_path / "source"
    with running_app(make_config(folder, **_sqlite_url(folder))) as app:
        seed_image.restore(engine_of(app))
        focal = make_user("focal_point", country="MEX")
        report_status(focal, "MT1-R01-MEX", "in_progress", 30, "Primer avance")
        report_status(focal, "MT1-R02-MEX", "completed", 100)
        add_restricted_evidence(focal, commitment("MT1-R01-MEX"))
        make_evidence(focal, "MT1-R02-MEX", url="https://gob.example/cierre")
        db.session.remove()
        yield app


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def target(tmp_path):
    """An app on a new, empty database: a new SQLite file, or a new PostgreSQL database."""
    folder = tmp_path / "target"
    name = f"tracker_restore_{uuid.uuid4().hex[:12]}"
    if ON_POSTGRES:
        with psycopg.connect(_libpq(DATABASE_URL), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        app = create_app(make_config(folder, SQLALCHEMY_DATABASE_URI=url))
    else:
        app = create_app(make_config(folder, **_sqlite_url(folder)))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        if ON_POSTGRES:
            with psycopg.connect(_libpq(DATABASE_URL), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli(app, *args: str):
    """A command on this app: the CLI uses whichever app context is current (the source's
    stays pushed), so push this one's."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def row_counts(app) -> dict[str, int]:
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            return {name: connection.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
                    for name in sa.inspect(connection).get_table_names()}
    finally:
        engine.dispose()


def files_of(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


def make_backup(source, folder: Path) -> dict:
    result = cli(source, "backup", "create", str(folder))
    assert result.exit_code == 0, result.output
    return json.loads((folder / "manifest.json").read_text())


def test_a_restored_backup_has_the_same_ledger_rows_and_files(source, target, tmp_path):
    head = cli(source, "ledger", "head").output.strip()
    folder = tmp_path / "b1"
    created = cli(source, "backup", "create", str(folder))
    assert created.exit_code == 0 and f"ledger head {head}" in created.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert f"{manifest['ledger_head']['seq']}:{manifest['ledger_head']['hash']}" == head
    assert int(head.split(":")[0]) > 0
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert listed == {name: digest for name, digest in files_of(folder).items()
                      if name != "manifest.json"}
    uploads = Path(source.config["UPLOAD_FOLDER"])
    # Files stay on disk only on SQLite; on PostgreSQL they are rows, counted below.
    assert any(name.startswith("uploads/") for name in listed) == (not ON_POSTGRES)

    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 0, result.output
    assert f"head {head} (as in the backup)" in result.output
    assert cli(target, "ledger", "head").output.strip() == head
    verified = cli(target, "ledger", "verify")
    assert verified.exit_code == 0 and f"head {head}" in verified.output
    assert row_counts(target) == row_counts(source)
    if not ON_POSTGRES:
        assert files_of(Path(target.config["UPLOAD_FOLDER"])) == files_of(uploads) != {}


@pytest.mark.skipif(not ON_POSTGRES, reason="history triggers exist on PostgreSQL only")
def test_a_restored_database_still_refuses_to_rewrite_history(source, target, tmp_path):
    make_backup(source, tmp_path / "b1")
    assert cli(target, "backup", "restore", str(tmp_path / "b1")).exit_code == 0
    with target.app_context(), pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE status_event SET note = 'reescrito'"))


@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_a_damaged_backup_is_refused_and_nothing_changes(source, target, tmp_path, damage):
    folder = tmp_path / "b1"
    make_backup(source, folder)
    if damage == "changed":
        with (folder / DUMP).open("ab") as dump:
            dump.write(b"\0")
    else:
        (folder / DUMP).unlink()
    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 1
    expected = "is missing" if damage == "missing" else "does not match its checksum"
    assert "Error: The backup is " in result.output and expected in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert row_counts(target) == {}
    assert files_of(Path(target.config["UPLOAD_FOLDER"])) == {}


def test_a_changed_upload_is_refused_too(source, target, tmp_path):
    folder = tmp_path / "b1"
    manifest = make_backup(source, folder)
    extra = [entry["path"] for entry in manifest["files"] if entry["path"] != DUMP]
    if ON_POSTGRES:
        assert extra == []  # nothing but the dump: evidence lives in the database
        return
    (folder / extra[0]).write_bytes(b"otro contenido")
    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 1 and f"{extra[0]} does not match" in result.output
    assert row_counts(target) == {}


def test_a_target_with_tables_is_refused(source, tmp_path):
    head = cli(source, "ledger", "head").output
    counts = row_counts(source)
    make_backup(source, tmp_path / "b1")
    result = cli(source, "backup", "restore", str(tmp_path / "b1"))
    assert result.exit_code == 1
    assert "restore needs an empty database" in result.output
    assert cli(source, "ledger", "head").output == head and row_counts(source) == counts


def test_a_different_ledger_head_fails_the_restore(source, target, tmp_path):
    folder = tmp_path / "b1"
    manifest = make_backup(source, folder)
    manifest["ledger_head"]["hash"] = "f" * 64  # the manifest is not itself checksummed
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 1 and "differs from the backup's" in result.output


def test_a_backup_of_the_other_database_kind_is_refused(source, target, tmp_path):
    folder = tmp_path / "b1"
    manifest = make_backup(source, folder)
    manifest["database"] = "sqlite" if ON_POSTGRES else "postgresql"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 1 and "This is a backup of a" in result.output
    assert row_counts(target) == {}


def test_a_manifest_naming_a_file_outside_the_backup_is_refused(source, target, tmp_path):
    folder = tmp_path / "b1"
    manifest = make_backup(source, folder)
    manifest["files"].append({"path": "../../etc/passwd", "size": 1, "sha256": "0" * 64})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = cli(target, "backup", "restore", str(folder))
    assert result.exit_code == 1 and "outside the backup" in result.output


def test_a_folder_that_is_not_a_backup_is_refused(target, tmp_path):
    result = cli(target, "backup", "restore", str(tmp_path))
    assert result.exit_code == 1 and "has no manifest.json" in result.output


def test_create_refuses_a_non_empty_folder_and_leaves_nothing(source, tmp_path):
    folder = tmp_path / "backups" / "b1"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    result = cli(source, "backup", "create", str(folder))
    assert result.exit_code == 1 and "already exists and is not empty" in result.output
    assert [p.name for p in folder.parent.iterdir()] == ["b1"]
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_create_into_an_existing_empty_folder(source, tmp_path):
    folder = tmp_path / "b1"
    folder.mkdir()
    assert make_backup(source, folder)["files"]


def test_a_failure_half_way_leaves_no_partial_backup(source, tmp_path, monkeypatch):
    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "describe", disk_full)  # after the dump is written
    folder = tmp_path / "backups" / "b1"
    folder.parent.mkdir()
    result = cli(source, "backup", "create", str(folder))
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert "Traceback" not in result.output
    assert list(folder.parent.iterdir()) == []


@pytest.mark.skipif(ON_POSTGRES, reason="the tests' SQLite is in memory, PostgreSQL is not")
def test_an_in_memory_database_is_refused(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "create", str(tmp_path / "b1")])
    assert result.exit_code == 1 and "in memory" in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "instance"]


def test_the_password_travels_in_the_environment_not_the_command_line():
    address, env = dumps.libpq("postgresql+psycopg://tracker:s3cr%40t@db.example:5433/"
                               "tracker?sslmode=require")
    assert address == "postgresql://tracker@db.example:5433/tracker?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"


def test_a_missing_client_says_which_package_to_install(monkeypatch):
    monkeypatch.setattr(dumps.shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match="install the package postgresql-client"):
        dumps.dump_postgres("postgresql+psycopg://nobody@127.0.0.1:1/none", Path("x"))


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump only backs up PostgreSQL")
def test_a_pg_dump_older_than_the_server_is_refused(source, tmp_path, monkeypatch):
    monkeypatch.setattr(dumps, "_tool", lambda name: ("/usr/bin/" + name, 9))
    result = cli(source, "backup", "create", str(tmp_path / "b1"))
    assert result.exit_code == 1 and "pg_dump 9 is older than the server" in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "source"]
