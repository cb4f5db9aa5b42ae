"""Time the follow-up reports on the database of the environment (run by hand, not part of
the suite): building each report's content, then rendering it as PDF and as DOCX.

    FLASK_CONFIG=production DATABASE_URL=postgresql://... SECRET_KEY=... \
    PUBLIC_BASE_URL=https://bench.invalid .venv/bin/python bench/report_timing.py [--country MEX]

The regional report is of the meeting with the most commitments; the summary covers all.
"""

import argparse
import time

import sqlalchemy as sa

from tracker import create_app
from tracker.extensions import db
from tracker.models import Commitment, Meeting, Recommendation, WorkingTable
from tracker.reports import as_of, content
from tracker.reports.docx import render_docx
from tracker.reports.pdf import render_pdf


def largest_meeting() -> tuple[str, int]:
    return db.session.execute(
        sa.select(Meeting.code, sa.func.count(Commitment.id))
        .join(WorkingTable, WorkingTable.meeting_id == Meeting.id)
        .join(Recommendation, Recommendation.working_table_id == WorkingTable.id)
        .join(Commitment, Commitment.recommendation_id == Recommendation.id)
        .group_by(Meeting.code).order_by(sa.func.count(Commitment.id).desc()).limit(1)).one()


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    size = f", {len(result):,} bytes" if isinstance(result, bytes) else ""
    print(f"  {label}: {time.perf_counter() - start:.2f} s{size}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", help="also time this country's report (large at scale)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count(Commitment.id)))
        code, size = largest_meeting()
        day = as_of.local_today()
        print(f"{total:,} commitments; regional report of {code} ({size} commitments)")
        jobs = [("regional", lambda: content.regional_report(code, day)),
                ("summary", lambda: content.summary(day))]
        if args.country:
            jobs.append((f"country {args.country}",
                         lambda: content.country_report(args.country, day)))
        for name, build in jobs:
            print(name)
            report = timed("content", build)
            db.session.rollback()
            timed("DOCX", lambda report=report: render_docx(report, "es"))
            timed("PDF", lambda report=report: render_pdf(report, "es"))


if __name__ == "__main__":
    main()
