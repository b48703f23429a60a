"""Throughput of the deepeval judge reward against a local judge with 50 ms latency, in one run.

    python benchmarks/bench_deepeval_judge.py [--rows 256] [--concurrency 32] [--baseline-rows 64]

1. Baseline: plain deepeval — one GEval with deepeval's own OpenAI model (pointed at the local judge), and
   `metric.measure(test_case)` per row, sequentially.
2. Ours: `judge.geval_rag` at `max_concurrency=32` on `--rows` distinct completions; ideal throughput is
   concurrency / latency = 640 rows/s. The median of `--repeats` batches after two warm-up batches, with
   the default aiohttp client and with `http_transport="openai"`; and bare posts of each client alone.
   A control run replaces the HTTP call with a 50 ms sleep: what deepeval and the reward's own CPU allow.
3. Faults: the same batch where 20 % of rows always get HTTP 500 (plus 5 % transient 429s on any request, retried up to 3 times):
   the batch must finish with exactly the failing rows None.

The judge runs in its own process (`python -m reward_deepeval_judge_testing`), as a real judge would, so its
threads do not compete with the client for the GIL.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_DOTENV", "1")
os.environ.setdefault("DEEPEVAL_DISABLE_LEGACY_KEYFILE", "1")

from reward_deepeval_judge_testing import judge_process  # noqa: E402  (stdlib only; after the env)

LATENCY = 0.05
# The failed rows are expected; their per-batch warning would clutter the table.
logging.getLogger("reward_deepeval_judge").setLevel(logging.ERROR)


def batch(n: int, marker_every: int = 0):
    prompts = [f"Question {i}: which city is the capital of France?" for i in range(n)]
    completions = [
        f"Answer {i}: Paris." + (" #FAIL" if marker_every and i % marker_every == 0 else "") for i in range(n)
    ]
    return prompts, completions, ["Paris"] * n


def baseline(url: str, rows: int) -> float:
    """One GEval with deepeval's own OpenAI model, pointed at the local judge, measuring row after row."""
    from deepeval.metrics import GEval
    from deepeval.models import OpenAIModel
    from deepeval.test_case import LLMTestCase, SingleTurnParams

    # deepeval's private flag that keeps `measure` from drawing a progress bar on stderr for every row.
    from reward_deepeval_judge._deepeval_adapter import MEASURE_KWARGS as quiet

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
        metric.measure(LLMTestCase(input=prompt, actual_output=completion, expected_output=answer), **quiet)
        scores.append(metric.score if metric.score is not None else 0.0)
    return time.perf_counter() - started


def median_run(run_batch: Callable[[int], object], repeats: int) -> float:
    """Median seconds of `repeats` batches, after two unmeasured warm-up batches (pool, caches, settings).

    Steady state is what a training run sees, batch after batch; the median keeps one batch slowed by
    this shared 2-core machine from deciding the figure.
    """
    for warm in range(2):
        run_batch(-1 - warm)
    times = []
    for repeat in range(repeats):
        started = time.perf_counter()
        run_batch(repeat)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def raw_client(url: str, rows: int, concurrency: int, transport: str, repeats: int) -> float:
    """The ceiling of the HTTP client alone: bare posts at the same concurrency, no deepeval."""
    import asyncio

    from reward_deepeval_judge._http import make_client

    prompts, completions, _ = batch(rows)

    async def run() -> float:
        client = make_client(transport, url, "local", 5.0, concurrency)  # the reward's own client
        limit = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with limit:
                messages = [{"role": "user", "content": f"You are an evaluator\n{prompts[i]}\n{completions[i]}"}]
                await client.complete({"model": "m", "messages": messages})

        async def run_batch(repeat: int) -> None:
            await asyncio.gather(*(one(i) for i in range(rows)))

        loop = asyncio.get_running_loop()
        seconds = await loop.run_in_executor(
            None, median_run, lambda r: asyncio.run_coroutine_threadsafe(run_batch(r), loop).result(), repeats
        )
        await client.close()
        return seconds

    return asyncio.run(run())


def ours(url: str, rows: int, concurrency: int, repeats: int, transport: str = "aiohttp") -> tuple[float, float, float]:
    """Median seconds per batch, client CPU seconds per row, and median of the batches' mean request latency."""
    from reward_core import get_reward

    reward = get_reward(
        "judge.geval_rag", base_url=url, model="local-judge", max_concurrency=concurrency, http_transport=transport,
        request_timeout=5.0, breaker_min_calls=10_000,
    )
    prompts, completions, answers = batch(rows)
    latencies: list[float] = []

    def log_metric(name: str, value: float) -> None:
        if name.endswith("/latency_mean_s"):
            latencies.append(value)

    def run_batch(repeat: int) -> None:
        # Distinct completions per batch: identical rows would be judged once.
        scores = reward.score(prompts=prompts, completions=[f"{c} ({repeat})" for c in completions], answer=answers,
                              log_metric=log_metric)
        assert scores == [0.9] * rows, set(scores)

    cpu = time.process_time()
    seconds = median_run(run_batch, repeats)
    cpu_per_row = (time.process_time() - cpu) / ((repeats + 2) * rows)
    return seconds, cpu_per_row, statistics.median(latencies[2:])


@contextmanager
def sleeping_judge():
    """Replace the HTTP client with a 50 ms sleep: what the reward reaches when only deepeval and its own code cost CPU."""
    import asyncio

    from reward_deepeval_judge import _http

    reply = {"choices": [{"message": {"content": '{"reason": "The answer matches.", "score": 9}'}}]}

    class SleepingClient:
        async def complete(self, body: dict) -> dict:
            await asyncio.sleep(LATENCY)
            return reply

        async def close(self) -> None:
            pass

    real = _http.make_client
    _http.make_client = lambda *args, **kwargs: SleepingClient()
    try:
        yield "http://sleeping-judge.invalid/v1"
    finally:
        _http.make_client = real


def with_faults(url: str, rows: int, concurrency: int) -> tuple[float, list, dict]:
    """One batch where every fifth row always fails (HTTP 500) and 5 % of requests get a transient 429."""
    from reward_core import get_reward

    reward = get_reward(
        "judge.geval_rag", base_url=url, model="local-judge", max_concurrency=concurrency, request_timeout=5.0,
        backoff_base=0.05, backoff_max=0.5, max_retries=3, breaker_min_calls=10_000,
    )
    warm = batch(concurrency)
    reward.score(prompts=warm[0], completions=[c + " warm-up" for c in warm[1]], answer=warm[2])
    prompts, completions, answers = batch(rows, marker_every=5)
    metrics: dict[str, float] = {}
    started = time.perf_counter()
    scores = reward.score(prompts=prompts, completions=completions, answer=answers,
                          log_metric=lambda k, v: metrics.__setitem__(k.split("/")[-1], v))
    return time.perf_counter() - started, scores, metrics


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7, help="measured batches per run (the median is shown)")
    parser.add_argument("--baseline-rows", type=int, default=64, help="rows for the slow sequential baseline")
    args = parser.parse_args()
    ideal = args.concurrency / LATENCY
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, judge latency {LATENCY * 1000:.0f} ms, "
          f"{args.rows} rows, concurrency {args.concurrency} (ideal {ideal:.0f} rows/s); median of {args.repeats} "
          f"batches after 2 warm-up batches")

    with judge_process("--latency", str(LATENCY)) as url:
        base_s = baseline(url, args.baseline_rows)
        runs = {transport: ours(url, args.rows, args.concurrency, args.repeats, transport) for transport in ("aiohttp", "openai")}
        raw = {transport: raw_client(url, args.rows, args.concurrency, transport, args.repeats) for transport in ("aiohttp", "openai")}
    with sleeping_judge() as url:
        sleep_s = ours(url, args.rows, args.concurrency, args.repeats)[0]
    base_rate = args.baseline_rows / base_s

    def row(what: str, rows: int, seconds: float) -> None:
        rate = rows / seconds
        print(f"| {what} | {rows} | {seconds:.3f} | {rate:.0f} | {100 * rate / ideal:.0f} % | {rate / base_rate:.0f}x |")

    print()
    print("| run | rows | wall s | rows/s | % of ideal | vs baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    row("plain deepeval (one GEval, sequential `metric.measure`)", args.baseline_rows, base_s)
    row(f"judge.geval_rag, concurrency {args.concurrency}", args.rows, runs["aiohttp"][0])
    row("same, `http_transport=openai` (AsyncOpenAI client)", args.rows, runs["openai"][0])
    row("bare aiohttp client posts, no deepeval (client ceiling)", args.rows, raw["aiohttp"])
    row("bare AsyncOpenAI client posts, no deepeval", args.rows, raw["openai"])
    row("judge.geval_rag, HTTP call replaced by a 50 ms sleep (deepeval + reward CPU only)", args.rows, sleep_s)

    with judge_process("--latency", str(LATENCY), "--fail-marker", "#FAIL", "--marker-mode", "500", "--fault-rate", "0.05",
                       "--fault-mode", "429", "--retry-after", "0.05") as url:
        fault_s, fault_scores, fault_metrics = with_faults(url, args.rows, args.concurrency)
    row("judge.geval_rag, 20 % rows failing (HTTP 500) + 5 % transient 429 (one batch)", args.rows, fault_s)
    failed = [i for i, s in enumerate(fault_scores) if s is None]
    expected = list(range(0, args.rows, 5))
    print()
    print(f"client CPU per row: {1000 * runs['aiohttp'][1]:.2f} ms (aiohttp), {1000 * runs['openai'][1]:.2f} ms (openai); "
          f"judge request latency seen {1000 * runs['aiohttp'][2]:.0f} ms (median of the batches' means)")
    print(f"faults: {len(failed)} rows None (expected {len(expected)}: the 500 rows) -> "
          f"{'OK' if failed == expected else 'MISMATCH'}; requests {fault_metrics['requests']:.0f}, "
          f"retries {fault_metrics['retries']:.0f}, failures {fault_metrics['failures']:.0f}, "
          f"breaker_open {fault_metrics['breaker_open']:.0f}; other rows all 0.9: "
          f"{all(s == 0.9 for i, s in enumerate(fault_scores) if i % 5)}")


if __name__ == "__main__":
    main()
