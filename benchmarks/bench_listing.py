"""Listing rewards with 200 installed reward distributions (goal: under 250 ms, no reward module imported).

Run: .venv/bin/python benchmarks/bench_listing.py

Creates 200 installed distributions in a temporary site directory (the `.dist-info` folders pip writes: METADATA
and entry_points.txt in the `reward_core` group), each with a tiny registration module and an implementation
module that imports numpy, then times fresh interpreters:
  - baseline: the eager way (pluggy's `load_setuptools_entrypoints` + importing every reward class, as
    registries that import on registration do);
  - ours: `reward_core.list_rewards()`, which imports registration modules only.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNT = 200


def make_site(root: Path) -> None:
    for i in range(COUNT):
        pkg = root / f"bench_pack_{i}"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        (pkg / "plugin.py").write_text(
            "from reward_core import hookimpl\n\n"
            "@hookimpl\n"
            "def register_rewards(register):\n"
            f"    register('bench{i}.score', 'bench_pack_{i}.rewards:Score', summary='Benchmark reward {i}.')\n"
        )
        (pkg / "rewards.py").write_text(
            "import numpy  # the implementation's heavy dependency\n"
            "from reward_core import BaseReward\n\n"
            "class Score(BaseReward):\n"
            "    def __call__(self, prompts, completions, **kwargs):\n"
            "        return [0.0] * len(completions)\n"
        )
        info = root / f"bench_pack_{i}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bench-pack-{i}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[reward_core]\nbench-pack-{i} = bench_pack_{i}.plugin\n")


OURS = """
import sys, time, json
start = time.perf_counter()
import reward_core
entries = reward_core.list_rewards()
elapsed = time.perf_counter() - start
impl = [m for m in sys.modules if m.endswith('.rewards') and m.startswith('bench_pack_')]
print(json.dumps([elapsed, len(entries), len(impl), 'numpy' in sys.modules]))
"""

BASELINE = """
import sys, time, json
start = time.perf_counter()
import importlib, pluggy, importlib_metadata
pm = pluggy.PluginManager('reward_core')
pm.load_setuptools_entrypoints('reward_core')
classes = [importlib.import_module(f'bench_pack_{i}.rewards').Score for i in range(%d)]
elapsed = time.perf_counter() - start
print(json.dumps([elapsed, len(classes), len(classes), 'numpy' in sys.modules]))
""" % COUNT


def run(code: str, site: Path) -> list:
    # No allow/deny lists from the caller's environment: every installed pack is listed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(rounds: int = 7) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        make_site(site)
        ours, base = [], []
        for _ in range(rounds):
            base.append(run(BASELINE, site))
            ours.append(run(OURS, site))
    o = statistics.median(r[0] for r in ours)
    b = statistics.median(r[0] for r in base)
    listed, imported, numpy_loaded = ours[0][1], ours[0][2], ours[0][3]
    print(f"{COUNT} installed reward distributions, median of {rounds} fresh interpreters (in-process time)")
    print(f"{'':<48} {'ms':>8}")
    print(f"{'baseline: pluggy entry points + eager imports':<48} {b * 1000:>8.1f}")
    print(f"{'ours: reward_core.list_rewards()':<48} {o * 1000:>8.1f}")
    print(f"{'ratio (baseline / ours)':<48} {b / o:>8.2f}x")
    print(f"ours listed {listed} rewards (>= {COUNT}), imported {imported} reward modules, numpy imported: {numpy_loaded}")


if __name__ == "__main__":
    main()
