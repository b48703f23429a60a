"""`reward-core score --plot FILE.png`: histograms of each reward and of the weighted total; matplotlib only then."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import pytest

from reward_core.cli import main
from reward_core.offline_scoring import score_file

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunks.append((kind, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def rollouts(tmp_path, n=40):
    lines = [json.dumps({"prompt": "p", "completion": "x" * (i % 13) + (" ok" if i % 3 else "")}) for i in range(n)]
    path = tmp_path / "rollouts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


SPEC = [{"name": "fixture.length", "params": {"cap": 10}}, {"name": "fixture.contains", "weight": 3,
                                                            "params": {"needle": "ok"}}]


def assert_matplotlib_png(path, panels):
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    chunks = png_chunks(data)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert width >= 400 * min(panels, 3) and height >= 250
    text = b"".join(body for kind, body in chunks if kind in {b"tEXt", b"iTXt"})
    assert b"Matplotlib" in text  # written by matplotlib (its Software tag)
    assert len(data) > 10_000
    import matplotlib.image

    pixels = matplotlib.image.imread(str(path))
    assert pixels.shape[:2] == (height, width)
    assert pixels.std() > 0.05  # a drawing, not a blank canvas


def test_score_file_plots_a_histogram_per_reward_and_the_total(use_plugins, tmp_path):
    use_plugins("good")
    summary = score_file(SPEC, rollouts(tmp_path), plot=tmp_path / "scores.png", progress=None)
    assert summary.scored == 40 and len(summary.totals) == 40
    assert_matplotlib_png(tmp_path / "scores.png", panels=3)


def test_cli_plot_flag(fixture_sites, tmp_path):
    (tmp_path / "rewards.json").write_text(json.dumps(SPEC))
    rollouts(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REWARD_CORE_")}
    env["PYTHONPATH"] = str(fixture_sites["good"])
    env["REWARD_CORE_PLUGINS"] = "rc-fixture-good"
    result = subprocess.run(
        [sys.executable, "-m", "reward_core.cli", "score", "--config", "rewards.json", "rollouts.jsonl",
         "--plot", "out.png"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "histograms: out.png" in result.stdout
    assert_matplotlib_png(tmp_path / "out.png", panels=3)


def test_plot_without_matplotlib_names_the_extra_and_scores_nothing(use_plugins, tmp_path, monkeypatch, capsys):
    use_plugins("good")
    (tmp_path / "rewards.json").write_text(json.dumps(SPEC))
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` raises ImportError
    code = main(["score", "--config", str(tmp_path / "rewards.json"), str(rollouts(tmp_path)),
                 "--output", str(tmp_path / "scored.jsonl"), "--plot", str(tmp_path / "out.png")])
    err = capsys.readouterr().err
    assert code == 1
    assert "needs matplotlib" in err and "pip install 'reward-core[plot]'" in err
    assert not (tmp_path / "scored.jsonl").exists() and not (tmp_path / "out.png").exists()


def test_import_listing_and_scoring_without_plot_never_import_matplotlib(run_python, tmp_path):
    (tmp_path / "rewards.json").write_text(json.dumps(SPEC))
    rollouts(tmp_path)
    code = f"""
import contextlib, io, os, sys
import reward_core
assert "matplotlib" not in sys.modules, "import reward_core"
reward_core.list_rewards()
assert "matplotlib" not in sys.modules, "list_rewards"
from reward_core.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    assert main(["list"]) == 0
    assert "matplotlib" not in sys.modules, "reward-core list"
    os.environ["REWARD_CORE_PLUGINS"] = "rc-fixture-good"
    reward_core.reset_plugins()
    assert main(["score", "--config", {str(tmp_path / "rewards.json")!r}, {str(tmp_path / "rollouts.jsonl")!r}]) == 0
assert "matplotlib" not in sys.modules, "reward-core score without --plot"
import reward_core.offline_scoring
assert "matplotlib" not in sys.modules, "reward_core.offline_scoring"
print("ok")
"""
    result = run_python(code, "good")
    assert result.stdout.strip() == "ok"
