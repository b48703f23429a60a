"""Format rewards for reasoning completions, registered with reward-core under the `math.` namespace.

Resolve them by name (``reward_core.get_reward("math.strict_format")``); importing this package imports
nothing but the standard library.
"""

__version__ = "0.1.0"
