"""`reward_core.offline_scoring` is `reward_core.apps.offline_scoring` (`score_file`, ...): this alias keeps older
imports working."""

import sys

from .apps import offline_scoring as _app

sys.modules[__name__] = _app
