"""The one part of reward-core that pyproject.toml cannot declare: the C fast path of `completion_text`.

`optional=True`: without a C compiler the build goes on and `completion_text` uses its pure-Python twin, which
returns the same results, more slowly (see reward_core/completion.py).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("reward_core._reading", ["reward_core/_reading.c"], optional=True)])
