"""Actuals uploaded from the project list or through the API: an ImportJob (channel Excel 上传
or API) restricted to the user's own units, run now when small or by Celery, through the one
write path — which locks, merges, writes the history and refreshes the snapshots of what it
changed."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from performance.access import fill_units
from performance.excel import jobs
from performance.models import ImportJob, ImportKind
from performance.workflow import Channel

from .period_lock import lock_text, open_for_any
from .values import EntryRefused


def start_upload(upload, period, user, *, clear_blanks: bool = False,
                 overwrite: bool = False, channel: str = Channel.UPLOAD) -> ImportJob:
    """Keep the upload as an ImportJob for `period`, writing only the user's own units; run it
    now if small, else in a Celery task after the commit. `channel`: how the file arrived (the
    page's upload, or Channel.API), kept on the job and on the history rows of its writes.
    Raises PermissionDenied (no unit to fill in), EntryRefused (locked period) or
    performance.excel.errors.BadFile (too large)."""
    units = list(fill_units(user))
    if not units:
        raise PermissionDenied("只有填报人可以上传完成值。")
    if not open_for_any(period, units):
        raise EntryRefused(lock_text(period))
    job = jobs.create_job(upload, kind=ImportKind.ACTUALS, user=user, period=period,
                          units=[u.code for u in units], channel=channel,
                          clear_blanks=clear_blanks, overwrite=overwrite, dry_run=False)
    return jobs.start(job)
