"""`reward-core serve` under the attacks of issue 20, measured: idle sockets and a 64 MB body.

1. 1,100 TCP connections that send nothing, against a server whose open-file limit is 1,024; then valid
   `POST /v1/score` requests, each on a new connection, one at a time: how many are answered, p50 / p99.
   Baseline: the same server with the connection limits lifted (`--max-connections 100000 --header-timeout
   3600`, what uvicorn alone does), 2 s client timeout. Goal: every request answered, p99 < 1 s.
2. A 64 MB body: (a) a bomb of `{}` items in an extra column, (b) a valid batch of 8,192 rows of 8 KB. Peak RSS
   of the server over its baseline (`VmHWM` from /proc), and `/healthz` latency (p50 / p99, a probe every
   10 ms) while the body is sent and parsed. Baseline: `json.loads` of the same bytes in a fresh process (what
   the server did before, on its event loop). Goal: < 512 MB over baseline, `/healthz` p99 < 100 ms.

`python benchmarks/bench_serving_attacks.py` (Linux: /proc and RLIMIT_NOFILE)
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TRIVIAL = "def length(completions, **kwargs):\n    return [float(len(c)) for c in completions]\n"
IDLE = 1100
NOFILE = 1024
VALID_REQUESTS = 200


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start(tmp, *args, nofile=None):
    spec = os.path.join(tmp, f"spec-{os.urandom(3).hex()}.json")
    with open(spec, "w") as f:
        json.dump(["bench_trivial:length"], f)

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen([sys.executable, "-m", "reward_core.cli", "serve", "--config", spec, "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=limit if nofile else None)
    line = proc.stdout.readline()
    if " on " not in line:
        raise RuntimeError(f"server did not start: {line!r}")
    return proc, line.split(" on ")[1].split()[0]


def stop(proc):
    proc.kill()
    proc.wait(60)


def post(url, path, data, timeout):
    req = urllib.request.Request(url + path, data=data, method="POST",
                                 headers={"Content-Type": "application/json", "Connection": "close"})
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status, response.read()


def valid_requests(url, n, timeout):
    body = json.dumps({"completions": ["ab", "c"]}).encode()
    answered, times = 0, []
    for _ in range(n):
        t = time.perf_counter()
        try:
            status, _ = post(url, "/v1/score", body, timeout)
            answered += status == 200
        except OSError:
            pass
        times.append(time.perf_counter() - t)
    return answered, times


def idle_connections(tmp):
    print(f"1. {IDLE:,} idle connections, server open-file limit {NOFILE:,}, then valid requests one at a time")
    for label, args, n in [("baseline: limits lifted (uvicorn alone)", ["--max-connections", "100000",
                                                                         "--header-timeout", "3600"], 10),
                           ("reward-core serve (defaults)", [], VALID_REQUESTS)]:
        proc, url = start(tmp, *args, nofile=NOFILE)
        host, port = url.split("//")[1].rsplit(":", 1)
        sockets = []
        try:
            for _ in range(IDLE):
                try:
                    sockets.append(socket.create_connection((host, int(port)), timeout=5))
                except OSError:
                    break
            time.sleep(1.0)  # let the server accept what it can
            answered, times = valid_requests(url, n, timeout=2.0)
        finally:
            for s in sockets:
                s.close()
            stop(proc)
        print(f"   {label:<42} {answered}/{n} answered, p50 {pct(times, 50) * 1e3:7.1f} ms, "
              f"p99 {pct(times, 99) * 1e3:7.1f} ms")
    ok = answered == n and pct(times, 99) < 1.0
    print(f"   goal: every request answered, p99 < 1 s: {'ok' if ok else 'MISSED'}")


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def baseline_json_loads(path):
    code = ("import json,sys\nb=open(sys.argv[1],'rb').read()\n"
            "def hwm():\n    return [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "h=hwm()\ntry:\n    json.loads(b)\nexcept Exception:\n    pass\nprint((hwm()-h)/1024)")
    return float(subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
                 .stdout.strip())


def body_64mb(tmp):
    size = 64 * 1024 * 1024
    head = b'{"completions":["ab","c"],"columns":{"x":['
    bomb = head + b"{}," * ((size - len(head) - 6) // 3) + b"{}]}}"
    rows = 8192
    legit = json.dumps({"completions": ["x" * (size // rows - 40) for _ in range(rows)],
                        "columns": {"answer": [str(i) for i in range(rows)]}}).encode()
    print("2. a 64 MB body: peak RSS of the server over its baseline; /healthz while it is sent and parsed")
    goal = True
    for label, body in [("bomb: `{}` items in an extra column", bomb), ("valid: 8,192 rows of 8 KB", legit)]:
        path = os.path.join(tmp, "body.json")
        with open(path, "wb") as f:
            f.write(body)
        base = baseline_json_loads(path)
        proc, url = start(tmp)
        try:
            post(url, "/v1/score", json.dumps({"completions": ["ab"]}).encode(), 30)  # warm
            before = peak_rss_mb(proc.pid)
            probes, done, answer = [], threading.Event(), {}

            def probe():
                while not done.is_set():
                    t = time.perf_counter()
                    with urllib.request.urlopen(url + "/healthz", timeout=30) as r:
                        r.read()
                    probes.append(time.perf_counter() - t)
                    time.sleep(0.01)

            prober = threading.Thread(target=probe)
            prober.start()
            t = time.perf_counter()
            try:
                answer["status"] = post(url, "/v1/score", body, 300)[0]
            except urllib.error.HTTPError as exc:
                answer["status"] = exc.code
            elapsed = time.perf_counter() - t
            done.set()
            prober.join()
            rss = peak_rss_mb(proc.pid) - before
        finally:
            stop(proc)
        p99 = pct(probes, 99)
        goal &= rss < 512 and p99 < 0.1
        print(f"   {label:<38} baseline json.loads: +{base:,.0f} MB | served: {answer['status']} in "
              f"{elapsed:.2f} s, +{rss:,.0f} MB peak RSS ({rss / base:.2f}x the baseline), /healthz p50 "
              f"{pct(probes, 50) * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms over {len(probes)} probes")
    print(f"   goal: < 512 MB over baseline and /healthz p99 < 100 ms: {'ok' if goal else 'MISSED'}")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "bench_trivial.py"), "w") as f:
            f.write(TRIVIAL)
        os.environ["PYTHONPATH"] = tmp + os.pathsep + os.environ.get("PYTHONPATH", "")
        print(f"reward-core serve on 127.0.0.1, {os.cpu_count()} CPUs")
        idle_connections(tmp)
        body_64mb(tmp)


if __name__ == "__main__":
    main()
