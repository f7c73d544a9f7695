"""Statements per page at a small and a large world (issue 16 point 5): exits 1 when a page
sends a different number of statements at the two sizes, or more than ``--most``.

    .venv/bin/python bench/queries.py [--small 10] [--large 10000] [--most 15]

PostgreSQL as the app role (row-level security on), the in-process test client, the world of
``bench/probes.py`` (one host, each open case with a share, a held meeting, a risk and an
action). Sign-in checks and ``set_config`` are counted: they are part of every page.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--most", type=int, default=15)
    parser.add_argument("--database", default="pcp_bench_queries")
    args = parser.parse_args()

    from probes import at_two_sizes

    from app.extensions import db

    app, _client, _world, pages, small, large = at_two_sizes(args.database, args.small, args.large)

    print(f"statements per page at {args.small} and {args.large} open cases (most allowed {args.most}):")
    failed = False
    for name in pages:
        problems = []
        if small[name] != large[name]:
            problems.append("grows")
        if large[name] > args.most:
            problems.append(f"over {args.most}")
        failed |= bool(problems)
        print(f"  {name:<20} {small[name]:>4} {large[name]:>4}  {', '.join(problems)}")
    with app.app_context():
        db.engine.dispose()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
