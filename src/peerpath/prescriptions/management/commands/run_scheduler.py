"""`peerpath run_scheduler`: enqueue the daily sweep once a day and the weekly digest once a week.

django-tasks runs what is queued but has no clock of its own. This loop is that clock: every few minutes it asks
"has today's sweep been queued? this week's digest?" and queues what is missing, so a restart neither skips a day nor
queues it twice. The answer comes from the queue itself when it is the database backend (so two schedulers, or a
scheduler and cron, agree); otherwise from this process's memory. Either way the e-mails are idempotent (Notice keys),
so the worst a duplicate does is a little work. `--once` runs one tick and exits, for cron and tests.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_tasks.base import Task

from peerpath.prescriptions.tasks import daily_sweep, weekly_digest

logger = logging.getLogger(__name__)


def _parse_clock(value: str) -> clock:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError as error:
        raise CommandError(f"--at takes a time as HH:MM (24-hour clock), not {value!r}.") from error


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock.min))


def queued_since(task: Task[Any, Any], since: datetime) -> bool | None:
    """Whether the database queue holds this task enqueued since then; None when the backend keeps no queue."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return None
    if not isinstance(task.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(task_path=task.module_path, enqueued_at__gte=since).exists()


class Scheduler:
    """What is due at a given moment, and the memory of what this process already queued."""

    def __init__(self, at: clock) -> None:
        self.at = at
        self.queued: dict[str, str] = {}  # task name -> the day or week it was queued for

    def _due(self, name: str, task: Task[Any, Any], period: str, period_start: date, moment: datetime) -> bool:
        if moment < timezone.make_aware(datetime.combine(period_start, self.at)):
            return False  # not yet time today (or this week)
        if self.queued.get(name) == period:
            return False
        already = queued_since(task, _start_of(period_start))
        if already:
            self.queued[name] = period
            return False
        return True

    def tick(self, moment: datetime) -> list[str]:
        """Queue what is due; returns what was queued, as "task period" lines."""
        today = timezone.localtime(moment).date()
        monday = today - timedelta(days=today.weekday())
        year, week, _ = today.isocalendar()
        plan: list[tuple[str, Task[Any, Any], str, date]] = [
            ("daily_sweep", daily_sweep, today.isoformat(), today),
            ("weekly_digest", weekly_digest, f"{year}-W{week:02d}", monday),
        ]
        done = []
        for name, task, period, period_start in plan:
            if self._due(name, task, period, period_start, moment):
                task.enqueue()
                self.queued[name] = period
                done.append(f"{name} {period}")
        return done


class Command(BaseCommand):
    help = "Enqueue the daily prescriptions sweep (with reminders) and the weekly clinician digest when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit (for cron and tests).")
        parser.add_argument(
            "--interval", type=int, default=300, help="Seconds between ticks when looping (default: 300)."
        )
        parser.add_argument(
            "--at",
            default="08:00",
            help="Time of day (in TIME_ZONE) from which the day's work is queued, HH:MM (default: 08:00): "
            "reminders arrive in the morning, not at midnight. The weekly digest goes from Monday at that time.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler(_parse_clock(options["at"]))
        interval = options["interval"]
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        if not options["once"]:
            self.stdout.write(f"Scheduler running: checks every {interval} seconds. Stop it with Ctrl+C.")
        while True:
            try:
                for line in scheduler.tick(timezone.now()):
                    self.stdout.write(f"Queued {line}")
            except Exception:
                if options["once"]:
                    raise
                # A database hiccup must not stop the clock: log it and try again at the next tick.
                logger.exception("Scheduler tick failed")
            if options["once"]:
                return
            time.sleep(interval)
