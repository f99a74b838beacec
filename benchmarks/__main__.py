"""``make bench``: run every benchmark and print one table of figures and ratios."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.common import RESULT_PREFIX, ROOT

BENCHMARKS = [
    "benchmarks.org_creation",
    "benchmarks.enrollment",
    "benchmarks.sync",
    "benchmarks.hubspot",
    "benchmarks.webhook_ingest",
    "benchmarks.event_path",
    "benchmarks.pushback",
    "benchmarks.api_latency",
    "benchmarks.beat_fanout",
    "benchmarks.dashboard",
]


def main() -> int:
    rows, failed = [], []
    for module in BENCHMARKS:
        if not (ROOT / (module.replace(".", "/") + ".py")).exists():
            continue
        print(f"== {module}", flush=True)
        proc = subprocess.run([sys.executable, "-m", module], cwd=ROOT, text=True,  # noqa: S603
                              capture_output=True)
        for line in proc.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                rows.append(json.loads(line[len(RESULT_PREFIX):]))
            else:
                print("  " + line)
        if proc.returncode:
            failed.append(module)
            print(proc.stderr[-3000:])
    width = max((len(r["name"]) for r in rows), default=10)
    print("\n" + "figure".ljust(width) + "  " + "value".rjust(14) + "  unit       target")
    for r in rows:
        print(f"{r['name'].ljust(width)}  {r['value']:>14,.3f}  {r['unit']:<10} {r['target']}")
    if failed:
        print("\nfailed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
