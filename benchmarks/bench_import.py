"""Cost of `import reward_core`, against a bare interpreter (goal: at most +30 ms).

Run: .venv/bin/python benchmarks/bench_import.py
Each variant is a fresh interpreter, run interleaved 30 times; medians are reported.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

VARIANTS = {
    "bare interpreter (baseline)": "pass",
    "import reward_core": "import reward_core",
    "from reward_core import BaseReward, RewardConfig, completion_text": (
        "from reward_core import BaseReward, RewardConfig, completion_text"
    ),
    "... + hookimpl (what a plugin module imports)": (
        "from reward_core import BaseReward, RewardConfig, completion_text, hookimpl"
    ),
}


def main(rounds: int = 30) -> None:
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(rounds):
        for name, code in VARIANTS.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[name].append(time.perf_counter() - start)
    baseline = statistics.median(times["bare interpreter (baseline)"])
    print(f"{'variant':<66} {'median ms':>10} {'vs bare':>9} {'ratio':>6}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<66} {median * 1000:>10.1f} {(median - baseline) * 1000:>+8.1f}ms {median / baseline:>6.2f}")


if __name__ == "__main__":
    main()
