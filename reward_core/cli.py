"""`reward_core.cli` is `reward_core.apps.cli`: this alias keeps `python -m reward_core.cli` and older imports working."""

import sys

from .apps import cli as _app

if __name__ == "__main__":
    sys.exit(_app.main())
sys.modules[__name__] = _app
