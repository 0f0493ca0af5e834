"""Exit 0 when the PostgreSQL and Redis that the integration tests use both answer, else 1."""

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import redis


def main() -> int:
    pg_url = os.environ["TEST_POSTGRES_URL"]
    redis_url = os.environ["TEST_REDIS_URL"]
    try:
        # The maintenance database answers even before the test database exists.
        maintenance = urlunsplit(urlsplit(pg_url)._replace(path="/postgres"))
        psycopg2.connect(maintenance, connect_timeout=3).close()
    except psycopg2.Error as exc:
        print(f"PostgreSQL at {pg_url} does not answer: {exc}".strip(), file=sys.stderr)
        return 1
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        print(f"Redis at {redis_url} does not answer: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
