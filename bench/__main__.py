"""`make bench`: every benchmark, one table each. BENCH_DATABASE_URL=postgres://… to run on
PostgreSQL (the database is flushed first: point it at a scratch database)."""

from bench.harness import setup_django


def main() -> None:
    vendor = setup_django()
    from bench import audited_save

    print(f"== benchmarks on {vendor} ==")
    print(audited_save.run())


if __name__ == "__main__":
    main()
