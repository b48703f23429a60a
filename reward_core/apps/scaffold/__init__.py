"""`reward-core new NAME`: a pip-installable reward pack, ready to publish."""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

__all__ = ["new_pack"]

_TEMPLATES = Path(__file__).parent  # the *.tmpl files beside this module


def new_pack(name: str, directory: str | Path = ".", namespace: str | None = None) -> Path:
    """Create `<directory>/<name>/`: pyproject.toml with the entry point, one example reward, tests, a README.

    `name` is the distribution name (`acme-rewards`); the import package is `acme_rewards`; the reward namespace
    defaults to the first word of the name (`acme`).
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*([-_][A-Za-z0-9]+)*", name):
        raise ValueError(f"invalid pack name {name!r}: use letters, digits and dashes, e.g. 'acme-rewards'")
    module = name.replace("-", "_").lower()
    namespace = namespace or re.split(r"[-_]", name)[0].lower()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", namespace):
        raise ValueError(f"invalid namespace {namespace!r}: use lowercase letters, digits and underscores")
    root = Path(directory) / name
    if root.exists():
        raise FileExistsError(f"{root} already exists; choose another name or directory")
    values = {"dist": name, "module": module, "namespace": namespace}
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"src/{module}/__init__.py": None,
        f"src/{module}/plugin.py": "plugin.py.tmpl",
        f"src/{module}/rewards.py": "rewards.py.tmpl",
        f"tests/test_{module}.py": "test.py.tmpl",
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = Template((_TEMPLATES / template).read_text()).substitute(values) if template else ""
        path.write_text(text)
    return root
