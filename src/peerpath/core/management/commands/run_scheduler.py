"""`peerpath run_scheduler`: the project's clock. It queues each app's periodic work when it is due:

    every tick          spaces.send_due_reminders   meeting reminders (day before, hour before)
                        moderation.crisis_realert_sweep  re-alert crisis items nobody has handled (issue 15)
    daily, from --at    prescriptions.daily_sweep   prescription reminders and lapses
                        spaces.materialise_meetings keep every schedule's meetings materialised ahead
                        forum.follow_digest         the e-mail digest of replies in followed threads
                        programmes.wellbeing_sweep  supporters who missed two check-ins or are over a cap
                        programmes.follow_up_sweep  supporters' digest of follow-ups due; coordinators told of
                                                    patients nobody has reached for weeks
                        matching.life_sweep         buddy proposals expire; silent pairs nudged; check-ins asked
    weekly, Monday      prescriptions.weekly_digest the clinicians' follow-ups
                        spaces.weekly_summary       the organisers' summary

django-tasks runs what is queued but has no clock of its own. This loop is that clock: every few minutes it asks
"has today's sweep been queued? this week's digest?" and queues what is missing, so a restart neither skips a day nor
queues it twice. The answer comes from the queue itself when it is the database backend (so two schedulers, or a
scheduler and cron, agree); otherwise from this process's memory. The every-tick work is not queued again while an
earlier one still waits in the database queue, so a stopped worker does not come back to a pile of sweeps. Either way
the e-mails are idempotent (Notice keys), so the worst a duplicate does is a little work. `--once` runs one tick and
exits, for cron and tests.
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

from peerpath.forum.tasks import follow_digest
from peerpath.matching.tasks import life_sweep
from peerpath.moderation.tasks import crisis_realert_sweep
from peerpath.prescriptions.tasks import daily_sweep, weekly_digest
from peerpath.programmes.tasks import follow_up_sweep, wellbeing_sweep
from peerpath.spaces.tasks import materialise_meetings, send_due_reminders, weekly_summary

logger = logging.getLogger(__name__)

# Queued on every tick: idempotent and cheap, and due at any hour (a meeting an hour from now).
EVERY_TICK: tuple[tuple[str, Task[Any, Any]], ...] = (
    ("send_due_reminders", send_due_reminders),
    ("crisis_realert_sweep", crisis_realert_sweep),  # one re-alert per period at most (CrisisRealert.round)
)


def _parse_clock(value: str) -> clock:
    try:
        return datetime.strptime(value, "%H:%M").time()
    except ValueError as error:
        raise CommandError(f"--at takes a time as HH:MM (24-hour clock), not {value!r}.") from error


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock.min))


def _database_queue(task: Task[Any, Any]) -> Any:
    """The database queue's result model when the task goes to the database backend; None otherwise."""
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return None
    if not isinstance(task.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult


def queued_since(task: Task[Any, Any], since: datetime) -> bool | None:
    """Whether the database queue holds this task enqueued since then; None when the backend keeps no queue."""
    queue = _database_queue(task)
    if queue is None:
        return None
    return bool(queue.objects.filter(task_path=task.module_path, enqueued_at__gte=since).exists())


def still_waiting(task: Task[Any, Any]) -> bool | None:
    """Whether the database queue holds this task not yet started (READY); None when the backend keeps no queue."""
    from django_tasks.base import TaskResultStatus

    queue = _database_queue(task)
    if queue is None:
        return None
    return bool(queue.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists())


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

    def plan(self, moment: datetime) -> list[tuple[str, Task[Any, Any], str, date]]:
        """The periodic work: (name, task, the period it is for, the day that period starts)."""
        today = timezone.localtime(moment).date()
        monday = today - timedelta(days=today.weekday())
        year, week, _ = today.isocalendar()
        this_week = f"{year}-W{week:02d}"
        return [
            ("daily_sweep", daily_sweep, today.isoformat(), today),
            ("materialise_meetings", materialise_meetings, today.isoformat(), today),
            ("follow_digest", follow_digest, today.isoformat(), today),
            ("wellbeing_sweep", wellbeing_sweep, today.isoformat(), today),
            ("follow_up_sweep", follow_up_sweep, today.isoformat(), today),
            ("life_sweep", life_sweep, today.isoformat(), today),
            ("weekly_digest", weekly_digest, this_week, monday),
            ("weekly_summary", weekly_summary, this_week, monday),
        ]

    def tick(self, moment: datetime) -> list[str]:
        """Queue what is due; returns what was queued, as "task period" lines (the every-tick work as "task")."""
        done = []
        for name, task, period, period_start in self.plan(moment):
            if self._due(name, task, period, period_start, moment):
                task.enqueue()
                self.queued[name] = period
                done.append(f"{name} {period}")
        for name, task in EVERY_TICK:
            if not still_waiting(task):
                task.enqueue()
                done.append(name)
        return done


class Command(BaseCommand):
    help = (
        "The clock of background work: meeting reminders every tick; the prescriptions sweep, the meetings "
        "materialised and the programmes' follow-up reminders daily; the clinicians' digest and the organisers' "
        "summary weekly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit (for cron and tests).")
        parser.add_argument(
            "--interval", type=int, default=300, help="Seconds between ticks when looping (default: 300)."
        )
        parser.add_argument(
            "--at",
            default="08:00",
            help="Time of day (in TIME_ZONE) from which the day's work is queued, HH:MM (default: 08:00): "
            "reminders arrive in the morning, not at midnight. The weekly work goes from Monday at that time.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler(_parse_clock(options["at"]))
        interval = options["interval"]
        if interval < 1:
            raise CommandError("--interval must be at least 1 second.")
        # The every-tick work is routine: it is reported only when asked for (-v 2).
        every_tick = {name for name, _task in EVERY_TICK}
        verbose = options["verbosity"] >= 2
        if not options["once"]:
            self.stdout.write(f"Scheduler running: checks every {interval} seconds. Stop it with Ctrl+C.")
        while True:
            try:
                for line in scheduler.tick(timezone.now()):
                    if verbose or line not in every_tick:
                        self.stdout.write(f"Queued {line}")
            except Exception:
                if options["once"]:
                    raise
                # A database hiccup must not stop the clock: log it and try again at the next tick.
                logger.exception("Scheduler tick failed")
            if options["once"]:
                return
            time.sleep(interval)
