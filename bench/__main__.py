"""Run every benchmark module and print one table (``make bench``).

Each ``bench/bench_*.py`` exposes ``run() -> list[dict]`` with rows
``{"benchmark", "metric", "value", "unit", "target"}``. ``python -m bench NAME ...``
runs only the named modules (e.g. ``python -m bench lab retrieval``).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import platform
import sys
import time

from rich.console import Console
from rich.table import Table

import bench


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    wanted = {f"bench_{a}" for a in argv}
    if wanted:
        names = [n for n in names if n in wanted]
    console = Console(width=140)
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    table = Table(title="RNN Tutor benchmarks")
    for col in ("benchmark", "metric", "value", "unit", "target"):
        table.add_column(col)
    for name in names:
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        rows = module.run()
        for row in rows:
            table.add_row(
                row["benchmark"],
                row["metric"],
                _fmt(row["value"]),
                row.get("unit", ""),
                row.get("target", ""),
            )
        console.print(f"{name}: {time.perf_counter() - started:.1f} s", style="dim")
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
