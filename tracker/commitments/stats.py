"""Counts by status overall, per country and per theme: the API's /stats, cached per data
version (the group-by queries scan every commitment)."""

import datetime as dt

from tracker.commitments.dashboard import Group, country_breakdown, theme_breakdown
from tracker.commitments.overdue import overdue_count
from tracker.core.data_version import remember
from tracker.core.dates import local_today
from tracker.models import Status


def _group_record(key_name: str, group: Group) -> dict:
    return {key_name: group.key, "name_es": group.name_es, "name_en": group.name_en,
            "total": group.total, "progress": group.progress,
            "by_status": {s.value: group.counts[s] for s in Status}}


def _compute(today: dt.date) -> dict:
    by_country = country_breakdown()
    totals = {s.value: sum(g.counts[s] for g in by_country) for s in Status}
    total = sum(totals.values())
    progress_sum = sum(g.progress_sum for g in by_country)
    overdue = overdue_count(today)
    return {"total": total, "by_status": totals, "overdue": overdue,
            "progress": round(progress_sum / total, 1) if total else 0.0,
            "by_country": [_group_record("country", g) for g in by_country],
            "by_theme": [_group_record("theme", g) for g in theme_breakdown()]}


def public_stats(today: dt.date | None = None) -> dict:
    """Every count of /api/v1/stats (3 queries when the data changed, none otherwise)."""
    today = today or local_today()
    return remember("stats", lambda: _compute(today), today)
