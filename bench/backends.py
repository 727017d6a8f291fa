"""The PostgreSQL database and the Redis cache the benchmark servers share."""

from __future__ import annotations

import os
import sys

from bench.server import listening, say

BENCH_DB = "clinic_bench"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_REDIS_DB = 14


def database_url(args) -> tuple[str, bool]:
    """The database to benchmark against, and whether this run created it."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            say(f"warning: DATABASE_URL is not PostgreSQL ({url.split(':')[0]}); production is.")
        say("Database: DATABASE_URL (its data stays; booking POSTs add consultations to it)")
        return url, False
    import psycopg2

    say(
        f"Database: DATABASE_URL is not set, so this run creates a throwaway PostgreSQL "
        f"database '{BENCH_DB}' on 127.0.0.1 (user postgres) and drops it at the end"
        + (" (kept: --keep-db)" if args.keep_db else "")
    )
    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    connection.close()
    return f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}", True


def drop_bench_database() -> None:
    import psycopg2

    connection = psycopg2.connect(PG_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    connection.close()


def redis_url(args) -> str:
    if args.redis_url:
        url = args.redis_url
    elif listening("127.0.0.1", 6379):
        url = f"redis://127.0.0.1:6379/{BENCH_REDIS_DB}"
    else:
        if args.two_servers:
            sys.exit("Two app servers share their cache through Redis: start Redis on :6379.")
        return ""
    import redis

    redis.Redis.from_url(url).flushdb()
    return url
