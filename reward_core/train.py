"""`reward_core.train` is `reward_core.apps.train`: this alias keeps `python -m reward_core.train` and older imports working."""

import sys

from .apps import train as _app

if __name__ == "__main__":
    sys.exit(_app.main())
sys.modules[__name__] = _app
