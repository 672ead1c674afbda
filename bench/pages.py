"""Public pages: how fast anonymous visitors get the pages an open day sends them to.

    .venv/bin/python bench/pages.py

Starts its own production-like server (``bench/server.py``: gunicorn, PostgreSQL and Redis
on loopback, DEBUG off) over the demo site and requests, with ``--concurrency`` clients
sending the next request as soon as the last is answered, the home page, the open-day
activity listing, an activity page, a news article and the expert roster, each
``--requests`` times. Each page is measured right after its reference, a 10 KB static
file served by whitenoise from the same server, with the same client and concurrency;
figures are requests/s and p99 latency as ratios to that reference. Whether the page
cache answered is read from the ``X-Cache`` header (``hit``/``miss``; none: the page was
rendered without the cache). Prints one table; the exit status is 1 when a page answers
anything but 200.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/statistics.py
# would shadow the standard library's ``statistics``. Import bench modules as a package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
from collections import Counter  # noqa: E402

from bench.server import (  # noqa: E402
    BenchServer,
    LoadResult,
    Row,
    closed_loop,
    ms,
    per_second,
    percentile,
    print_table,
    ratio,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000, help="Per page and reference.")
    parser.add_argument("--max-seconds", type=float, default=30, help="Bound of each measurement.")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--workers", type=int, default=0, help="0: 2 x cores + 1")
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args()


def public_pages() -> list[tuple[str, str]]:
    """(name, path) of the pages measured, in Chinese (the default language)."""
    from cms.models import HomePage, NewsPage
    from events.models import ActivityPage, OpenDayIndexPage
    from experts.models import ExpertRosterPage

    pages = []
    for name, model in (
        ("home", HomePage),
        ("activity listing", OpenDayIndexPage),
        ("activity page", ActivityPage),
        ("news article", NewsPage),
        ("expert roster", ExpertRosterPage),
    ):
        page = model.objects.live().public().filter(locale__language_code="zh-hans").first()
        if page is None:
            raise RuntimeError(f"the demo site has no live {model.__name__}")
        pages.append((name, page.get_url()))
    return pages


def x_cache(result: LoadResult) -> str:
    counts = Counter(s.headers.get("X-Cache") or "none" for s in result.samples)
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def main() -> int:
    args = parse_args()
    with BenchServer(
        worker_class=args.worker_class, workers=args.workers or None, threads=args.threads
    ) as server:
        pages = public_pages()
        static_url = server.static_reference_url
        results: list[tuple[str, str, LoadResult, LoadResult]] = []

        def load(path: str, label: str) -> LoadResult:
            return asyncio.run(
                closed_loop(
                    server.url(path),
                    concurrency=args.concurrency,
                    requests=args.requests,
                    max_seconds=args.max_seconds,
                    label=label,
                    keep_headers=("X-Cache", "Content-Length"),
                )
            )

        # Warm-up, not measured: every worker thread has rendered (and the cache stored)
        # every page, and served the static file, before the first measurement.
        for _name, path in [("static", static_url), *pages]:
            asyncio.run(
                closed_loop(
                    server.url(path),
                    concurrency=args.concurrency,
                    requests=4 * args.concurrency,
                    max_seconds=args.max_seconds,
                    label="warm-up",
                )
            )
        for name, path in pages:
            print(f"{name}: {path} ...")
            reference = load(static_url, "static")
            results.append((name, path, load(path, name), reference))
        server_describe = server.describe()
        page_cache_seconds = server.setting("PAGE_CACHE_SECONDS")

    rows: list[Row] = []
    notes = [
        f"Server: {server_describe}; PAGE_CACHE_SECONDS={page_cache_seconds}.",
        f"Load: {args.concurrency} clients back to back, {args.requests} requests per page "
        f"(at most {args.max_seconds:g} s), after a warm-up of every URL; each page right after "
        f"its reference, {static_url} (10 KB, whitenoise). The load client runs on the "
        "same cores as the server.",
    ]
    failures = []
    for name, path, result, reference in results:
        rate, ref_rate = result.rate, reference.rate
        p99 = percentile(result.latencies(), 99)
        ref_p99 = percentile(reference.latencies(), 99)
        rows.append(
            Row(
                f"{name} requests/s",
                per_second(rate),
                per_second(ref_rate),
                f"{ratio(rate, ref_rate):.0%}",
                ">= 50%",
                ratio(rate, ref_rate) >= 0.5,
            )
        )
        rows.append(
            Row(
                f"{name} p99",
                ms(p99),
                ms(ref_p99),
                f"{ratio(p99, ref_p99):.1f}x",
                "<= 2.0x",
                ratio(p99, ref_p99) <= 2.0,
            )
        )
        statuses = result.statuses()
        notes.append(
            f"{name} ({path}): answers "
            + ", ".join(f"{k or 'failed'} x{n}" for k, n in sorted(statuses.items()))
            + f"; X-Cache: {x_cache(result)}"
        )
        bad = {k: n for k, n in statuses.items() if k != 200}
        ref_bad = {k: n for k, n in reference.statuses().items() if k != 200}
        if bad or ref_bad:
            failures.append(f"{name}: {bad or ''} {ref_bad and f'reference {ref_bad}' or ''}")
    notes.append(
        "check: every page and reference request answered 200: "
        + ("ok" if not failures else "FAILED (" + "; ".join(failures) + ")")
    )
    missed = [r.figure for r in rows if r.met is False]
    notes.append("targets missed: " + (", ".join(missed) if missed else "none"))
    print_table("Public pages", rows, notes)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
