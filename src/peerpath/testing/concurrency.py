"""Tests that run the same change in many threads at once, each on its own database connection (concurrency).

On PostgreSQL the threads use the test database itself. On SQLite, pytest's test database lives in memory with a
shared cache, where a second writer fails at once ("database table is locked") instead of queueing, which no
deployment does; so the data are copied into a file database, and the threads and the checks use it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections


@contextmanager
def database_for_threads(folder: Path) -> Iterator[Callable[[], None]]:
    """What each thread calls first to get its own connection to a database that queues concurrent writers: the
    test database itself on PostgreSQL, a file copy of the in-memory one on SQLite (for the checks too)."""
    main = connections["default"]
    if main.vendor != "sqlite" or not main.is_in_memory_db():  # type: ignore[attr-defined]
        yield lambda: None
        return
    main.ensure_connection()
    path = folder / "concurrency.sqlite3"
    copy = sqlite3.connect(path)
    main.connection.backup(copy)
    copy.close()
    settings_dict = {**main.settings_dict, "NAME": str(path)}

    def use_file() -> None:
        connections["default"] = main.__class__(settings_dict, "default")

    use_file()
    try:
        yield use_file
    finally:
        connections["default"].close()
        connections["default"] = main
