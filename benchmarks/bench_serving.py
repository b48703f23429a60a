"""What serving costs: the same rewards scored in-process vs through `reward-core serve` over HTTP (127.0.0.1).

Baseline: `load_rewards(spec)` called in this process, batch after batch (what TRL does in-process).
Ours: the same batches through a `reward-core serve` process, one `POST /v1/score` per batch, with the
blocking client the veRL/OpenRLHF modules use and with `remote_rewards` (aiohttp, what TRL uses); and
4 clients at once (several trainer ranks sharing one server). Prints rows/s, the ratio and the added
milliseconds per batch. Spec: math.answer_correctness + math.reasoning_tags; batches of 64 GRPO-shaped rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

SPEC = ["math.answer_correctness", {"name": "math.reasoning_tags", "weight": 0.5, "params": {"reasoning_tag": "think"}}]
BATCH, BATCHES = 64, 30


def batches():
    out = []
    for b in range(BATCHES):
        comps, golds = [], []
        for i in range(BATCH):
            a = b * BATCH + i
            comps.append(f"<think>{a} plus {i}</think><answer>{a + i + (i % 3 == 0)}</answer>")
            golds.append(str(a + i))
        out.append((["What is the sum?"] * BATCH, comps, {"answer": golds}))
    return out


def timed(fn, data):
    times = []
    for prompts, comps, cols in data:
        t = time.perf_counter()
        fn(prompts, comps, cols)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    import reward_core
    from reward_core.serving.client import SyncClient

    data = batches()
    loaded = reward_core.load_rewards(SPEC)

    def in_process(prompts, comps, cols):
        return [f(prompts=prompts, completions=comps, **cols) for f in loaded.reward_funcs]

    in_process(*data[0])  # warm up (worker pools)
    base = timed(in_process, data)

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.json")
        with open(spec, "w") as f:
            json.dump(SPEC, f)
        server = subprocess.Popen([sys.executable, "-m", "reward_core.cli", "serve", "--config", spec, "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().split(" on ")[1].split()[0]
            client = SyncClient(url)
            client.score(*data[0])
            http = timed(client.score, data)

            rewards = reward_core.remote_rewards(url)

            async def trl_like(prompts, comps, cols):
                return await asyncio.gather(*(f(prompts=prompts, completions=comps, **cols) for f in rewards.reward_funcs))

            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, daemon=True).start()
            remote = timed(lambda *a: asyncio.run_coroutine_threadsafe(trl_like(*a), loop).result(), data)
            asyncio.run_coroutine_threadsafe(rewards.aclose(), loop).result()

            def worker(chunk):
                c = SyncClient(url)
                for item in chunk:
                    c.score(*item)

            t = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(data[i::4],)) for i in range(4)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            parallel = time.perf_counter() - t
        finally:
            server.terminate()
            server.wait(30)

    rows = BATCH * BATCHES

    def line(label, times):
        total = sum(times)
        print(f"  {label:<50} {rows / total:>9,.0f} rows/s   median batch {statistics.median(times) * 1e3:6.1f} ms")
        return total

    print(f"{BATCHES} batches of {BATCH} completions, {len(SPEC)} rewards")
    b = line("baseline: in-process (load_rewards)", base)
    h = line("served, blocking client (veRL/OpenRLHF modules)", http)
    r = line("served, remote_rewards (TRL, aiohttp)", remote)
    print(f"  {'served, 4 clients at once (blocking)':<50} {rows / parallel:>9,.0f} rows/s")
    print(f"ratio served/in-process: blocking {b / h:.2f}x, remote_rewards {b / r:.2f}x; added per batch: "
          f"{(statistics.median(http) - statistics.median(base)) * 1e3:+.1f} ms / "
          f"{(statistics.median(remote) - statistics.median(base)) * 1e3:+.1f} ms (median)")


if __name__ == "__main__":
    main()
