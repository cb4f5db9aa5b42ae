"""Applying a filled-in sheet of 1,000 rows as the secretariat (every country), on PostgreSQL:
the time to read the upload, to preview it and to apply it in one transaction, and the SQL
statements each phase runs. See bench/README.md."""

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="server where the bench database is created and dropped")
    p.add_argument("--database", default="sheet_bench", help="its name (dropped first!)")
    p.add_argument("--commitments", type=int, default=3000, help="demo commitments to load")
    p.add_argument("--rows", type=int, default=1000, help="rows of the sheet to fill in")
    return p.parse_args()


def pg_admin(pg_url: str, sql: str) -> None:
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(sql)


def prepare(env: dict, commitments: int) -> None:
    for cmd in (["db", "upgrade"], ["demo-data", "--commitments", str(commitments)]):
        done = subprocess.run([str(BIN / "flask"), "--app", "tracker", *cmd], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"flask {' '.join(cmd)} exited {done.returncode}:\n{done.stderr}")


def filled_sheet(app, rows: int):
    """The secretariat's sheet of every country, with ``rows`` rows filled in."""
    import openpyxl

    from tracker.commitments.sheets.columns import BY_KEY, in_language
    from tracker.commitments.sheets.download import build_xlsx, sheet_rows
    from tracker.extensions import db
    from tracker.models import Role, User

    user = User(email="bench.secretaria@example.org", role=Role.SECRETARIAT, name="Bench")
    db.session.add(user)
    db.session.commit()
    started = time.perf_counter()
    data = build_xlsx(sheet_rows(user, None), "es", secretariat=True)
    built = time.perf_counter() - started
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    header = {cell.value: cell.column for cell in sheet[1]}
    column = {key: header[in_language(BY_KEY[key].label, "es")]
              for key in ("new_status", "new_progress", "note")}
    for row in range(2, min(sheet.max_row, rows + 1) + 1):
        sheet.cell(row, column["new_status"]).value = "En curso"
        sheet.cell(row, column["new_progress"]).value = 20 + row % 60
        sheet.cell(row, column["note"]).value = f"Avance informado por la cancillería ({row})."
    buffer = io.BytesIO()
    book.save(buffer)
    return user, buffer.getvalue(), sheet.max_row - 1, built


def timed(label: str, statements: list, work):
    statements.clear()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"  {label:<32} {seconds:7.2f} s   {len(statements):6d} SQL statements")
    return result, seconds


def main() -> None:
    args = parse_args()
    from sqlalchemy.engine import make_url
    url = make_url(args.pg_url).set(database=args.database)
    pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    pg_admin(args.pg_url, f'CREATE DATABASE "{args.database}"')
    tmp = tempfile.mkdtemp(prefix="sheet-bench-")
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False),
           "TRACKER_INSTANCE_PATH": tmp, "FLASK_CONFIG": "development"}
    os.environ.update(env)
    try:
        prepare(env, args.commitments)
        import sqlalchemy as sa

        from tracker import create_app
        from tracker.commitments.sheets.apply import apply_preview
        from tracker.commitments.sheets.preview import counts, preview_sheet
        from tracker.commitments.sheets.reading import read_sheet
        from tracker.extensions import db
        from tracker.models import Commitment, StatusEvent

        app = create_app()
        with app.app_context(), app.test_request_context():
            total = db.session.scalar(sa.select(sa.func.count(Commitment.id)))
            user, data, sheet_rows, built = filled_sheet(app, args.rows)
            statements: list[str] = []
            sa.event.listen(db.engine, "before_cursor_execute",
                            lambda conn, cursor, statement, *a: statements.append(statement))
            print(f"{total} commitments on PostgreSQL; the secretariat's sheet has {sheet_rows} "
                  f"rows ({len(data) // 1024} KiB, built in {built:.2f} s), {args.rows} "
                  "filled in")
            sheet, read_s = timed("read the upload", statements,
                                  lambda: read_sheet(data, "bench.xlsx"))
            preview, preview_s = timed("preview (compare, store)", statements,
                                       lambda: preview_sheet(user, sheet, "bench.xlsx"))
            print(f"  outcomes: {counts(preview)}")
            before = db.session.scalar(sa.select(sa.func.count(StatusEvent.id)))
            done, apply_s = timed("apply (one transaction)", statements,
                                  lambda: apply_preview(user, preview))
            after = db.session.scalar(sa.select(sa.func.count(StatusEvent.id)))
            print(f"  recorded {done.events} events ({after - before} new history rows) on "
                  f"{done.commitments} commitments")
            print(f"  upload to applied: {read_s + preview_s + apply_s:.2f} s "
                  f"({1000 * apply_s / max(done.commitments, 1):.2f} ms per applied row)")
        with app.app_context():
            db.engine.dispose()
    finally:
        pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
