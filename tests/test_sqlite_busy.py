"""SQLite under concurrent writers (config/settings.py): a writer that finds the database
locked by another one waits for it (IMMEDIATE transactions and the busy timeout) instead of
failing with "database is locked", and the database is in WAL mode so readers go on meanwhile.

Two connections to a file database in two threads, with the settings' own OPTIONS; the one
that begins second reads and then writes, the case that fails at once in SQLite's default
(DEFERRED) mode, because its read snapshot is stale when the first writer commits."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connections["default"].vendor != "sqlite",
                                reason="SQLite's locking only")

HOLD_SECONDS = 0.5


@pytest.fixture(autouse=True)
def own_connections(django_db_blocker):
    """These connections are to files of the test's own, not to the test database."""
    with django_db_blocker.unblock():
        yield


def wrapper(path, alias: str, **options) -> DatabaseWrapper:
    """A connection to the file `path` with the settings' OPTIONS (and `options`), known to
    django.db.connections in this thread as `alias`, so transaction.atomic can use it."""
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], **options}
    db = DatabaseWrapper(settings_dict, alias=alias)
    connections[alias] = db
    return db


def release(db) -> None:
    db.close()
    del connections[db.alias]


def race(path, **options) -> list:
    """The first writer holds the lock HOLD_SECONDS; the second reads, then writes. What each
    ended with ("ok" or the error)."""
    setup = wrapper(path, "busy_setup", **options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS saves (who TEXT)")
    release(setup)
    holding, results = threading.Event(), {}

    def first():
        db = wrapper(path, "busy_first", **options)
        try:
            with transaction.atomic(using=db.alias):
                with db.cursor() as cursor:
                    cursor.execute("INSERT INTO saves VALUES ('first')")
                holding.set()
                time.sleep(HOLD_SECONDS)
            results["first"] = "ok"
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test compares
            results["first"] = exc
            holding.set()
        finally:
            release(db)

    def second():
        holding.wait(5)
        db = wrapper(path, "busy_second", **options)
        try:
            with transaction.atomic(using=db.alias):
                with db.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM saves")
                    cursor.fetchone()
                    time.sleep(HOLD_SECONDS)  # the first commits meanwhile
                    cursor.execute("INSERT INTO saves VALUES ('second')")
            results["second"] = "ok"
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            release(db)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return [results.get("first"), results.get("second")]


def saved(path) -> list[str]:
    db = wrapper(path, "busy_check")
    with db.cursor() as cursor:
        cursor.execute("SELECT who FROM saves ORDER BY rowid")
        rows = [row[0] for row in cursor.fetchall()]
    release(db)
    return rows


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    path = tmp_path / "busy.sqlite3"
    assert race(path) == ["ok", "ok"]
    assert saved(path) == ["first", "second"]


def test_without_immediate_transactions_the_same_race_fails(tmp_path):
    """The case the settings guard against: SQLite's default mode refuses the second writer."""
    path = tmp_path / "busy.sqlite3"
    first, second = race(path, transaction_mode="DEFERRED")
    assert first == "ok"
    assert "locked" in str(second)


def test_the_database_is_in_wal_mode(tmp_path):
    db = wrapper(tmp_path / "wal.sqlite3", "busy_wal")
    with db.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    release(db)
