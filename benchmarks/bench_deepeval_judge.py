"""Throughput of the deepeval judge reward against a local judge with 50 ms latency, in one run.

    python benchmarks/bench_deepeval_judge.py [--rows 256] [--concurrency 32] [--baseline-rows 64]

1. Baseline: the reference guide's loop — one GEval with deepeval's built-in OpenAI model (pointed at the
   local judge) and `metric.measure(test_case)` per row, sequentially.
2. Ours: `judge.geval_rag` at `max_concurrency=32` on `--rows` distinct completions; ideal throughput is
   concurrency / latency = 640 rows/s.
3. Faults: the same batch where 20 % of rows always get HTTP 500 (plus 5 % transient 429s on any request, retried up to 3 times):
   the batch must finish with exactly the failing rows None.

The judge runs in its own process (`python -m reward_deepeval_judge.testing`), as a real judge would, so its
threads do not compete with the client for the GIL.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_DOTENV", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_LEGACY_KEYFILE", "1")

LATENCY = 0.05
# The failed rows are expected; their per-batch warning would clutter the table.
logging.getLogger("reward_deepeval_judge").setLevel(logging.ERROR)


@contextmanager
def judge_process(*args: str):
    proc = subprocess.Popen(
        [sys.executable, "-m", "reward_deepeval_judge.testing", "--latency", str(LATENCY), "--until-stdin-closes", *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def batch(n: int, marker_every: int = 0):
    prompts = [f"Question {i}: which city is the capital of France?" for i in range(n)]
    completions = [
        f"Answer {i}: Paris." + (" #FAIL" if marker_every and i % marker_every == 0 else "") for i in range(n)
    ]
    return prompts, completions, ["Paris"] * n


def baseline(url: str, rows: int) -> float:
    """The reference guide's sequential loop, with deepeval's own model pointed at the local judge."""
    from deepeval.metrics import GEval
    from deepeval.models import OpenAIModel
    from deepeval.test_case import LLMTestCase, SingleTurnParams

    metric = GEval(
        name="MyReward",
        criteria="The response correctly addresses the question with accurate, complete information.",
        evaluation_params=[SingleTurnParams.INPUT, SingleTurnParams.ACTUAL_OUTPUT, SingleTurnParams.EXPECTED_OUTPUT],
        model=OpenAIModel(model="gpt-4.1", base_url=url, api_key="local"),
    )
    prompts, completions, answers = batch(rows)
    started = time.perf_counter()
    scores = []
    for prompt, completion, answer in zip(prompts, completions, answers):
        metric.measure(LLMTestCase(input=prompt, actual_output=completion, expected_output=answer), _show_indicator=False)
        scores.append(metric.score if metric.score is not None else 0.0)
    return time.perf_counter() - started


def raw_client(url: str, rows: int, concurrency: int, transport: str) -> float:
    """The ceiling of the HTTP client alone: bare AsyncOpenAI posts at the same concurrency, no deepeval."""
    import asyncio

    from reward_deepeval_judge._judge import make_client

    async def run() -> float:
        client = make_client(url, "local", 5.0, concurrency, transport)  # the reward's own client
        limit = asyncio.Semaphore(concurrency)
        prompts, completions, _ = batch(rows)

        async def one(i: int) -> None:
            async with limit:
                messages = [{"role": "user", "content": f"You are an evaluator\n{prompts[i]}\n{completions[i]}"}]
                await client.post("/chat/completions", body={"model": "m", "messages": messages}, cast_to=object)

        await asyncio.gather(*(one(i) for i in range(concurrency)))  # warm the connection pool
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(rows)))
        elapsed = time.perf_counter() - started
        await client.close()
        return elapsed

    return asyncio.run(run())


def ours(url: str, rows: int, concurrency: int, marker_every: int = 0, retries: int = 2):
    from reward_core import get_reward

    reward = get_reward(
        "judge.geval_rag", base_url=url, model="local-judge", max_concurrency=concurrency,
        request_timeout=5.0, backoff_base=0.05, backoff_max=0.5, max_retries=retries, breaker_min_calls=10_000,
    )
    warm = batch(concurrency)
    reward.score(prompts=warm[0], completions=[c + " warm-up" for c in warm[1]], answer=warm[2])  # client, pool
    prompts, completions, answers = batch(rows, marker_every)
    metrics: dict[str, float] = {}
    cpu = time.process_time()
    started = time.perf_counter()
    scores = reward.score(prompts=prompts, completions=completions, answer=answers,
                          log_metric=lambda k, v: metrics.__setitem__(k.split("/")[-1], v))
    return time.perf_counter() - started, time.process_time() - cpu, scores, metrics


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--baseline-rows", type=int, default=64, help="rows for the slow sequential baseline")
    args = parser.parse_args()
    ideal = args.concurrency / LATENCY
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, judge latency {LATENCY * 1000:.0f} ms, "
          f"{args.rows} rows, concurrency {args.concurrency} (ideal {ideal:.0f} rows/s)")

    with judge_process() as url:
        base_s = baseline(url, args.baseline_rows)
        wall, cpu, scores, metrics = ours(url, args.rows, args.concurrency)
        raw_s = raw_client(url, args.rows, args.concurrency, "aiohttp")
        raw_httpx_s = raw_client(url, args.rows, args.concurrency, "httpx")
    assert scores == [0.9] * args.rows, set(scores)
    base_rate = args.baseline_rows / base_s
    rate = args.rows / wall
    print()
    print("| run | rows | wall s | rows/s | % of ideal | vs baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| reference loop (sequential `metric.measure`) | {args.baseline_rows} | {base_s:.2f} | {base_rate:.1f} | "
          f"{100 * base_rate / ideal:.1f} % | 1.0x |")
    print(f"| judge.geval_rag, concurrency {args.concurrency} | {args.rows} | {wall:.2f} | {rate:.0f} | "
          f"{100 * rate / ideal:.0f} % | {rate / base_rate:.0f}x |")

    raw_rate = args.rows / raw_s
    print(f"| bare AsyncOpenAI posts (aiohttp), no deepeval (client ceiling) | {args.rows} | {raw_s:.2f} | {raw_rate:.0f} | "
          f"{100 * raw_rate / ideal:.0f} % | {raw_rate / base_rate:.0f}x |")
    raw_httpx_rate = args.rows / raw_httpx_s
    print(f"| bare AsyncOpenAI posts (httpx), no deepeval | {args.rows} | {raw_httpx_s:.2f} | {raw_httpx_rate:.0f} | "
          f"{100 * raw_httpx_rate / ideal:.0f} % | {raw_httpx_rate / base_rate:.0f}x |")

    with judge_process("--fail-marker", "#FAIL", "--marker-mode", "500", "--fault-rate", "0.05",
                       "--fault-mode", "429", "--retry-after", "0.05") as url:
        fwall, _, fscores, fmetrics = ours(url, args.rows, args.concurrency, marker_every=5, retries=3)
    failed = [i for i, s in enumerate(fscores) if s is None]
    expected = list(range(0, args.rows, 5))
    frate = args.rows / fwall
    print(f"| same, 20 % rows failing (HTTP 500) + 5 % transient 429 | {args.rows} | {fwall:.2f} | {frate:.0f} | "
          f"{100 * frate / ideal:.0f} % | {frate / base_rate:.0f}x |")
    print()
    print(f"client CPU: {1000 * cpu / args.rows:.2f} ms per row; mean judge latency seen "
          f"{1000 * metrics['latency_mean_s']:.0f} ms")
    print(f"faults: {len(failed)} rows None (expected {len(expected)}: the 500 rows) -> "
          f"{'OK' if failed == expected else 'MISMATCH'}; requests {fmetrics['requests']:.0f}, "
          f"retries {fmetrics['retries']:.0f}, failures {fmetrics['failures']:.0f}, "
          f"breaker_open {fmetrics['breaker_open']:.0f}; other rows all 0.9: "
          f"{all(s == 0.9 for i, s in enumerate(fscores) if i % 5)}")


if __name__ == "__main__":
    main()
