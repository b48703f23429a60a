"""reward-core plugin `math-correctness`: the reward `math.answer_correctness`.

Importing this package imports nothing heavy; math-verify and sympy load only inside the worker processes.
"""

__version__ = "0.1.0"
