"""Regenerate math_verify_cases.json from math-verify 0.9.0's sdist (run by hand, not by the tests).

    pip download --no-binary :all: --no-deps math-verify==0.9.0 -d /tmp/mv && tar xzf /tmp/mv/*.tar.gz -C /tmp/mv
    python make_math_verify_cases.py /tmp/mv/math_verify-0.9.0/tests > math_verify_cases.json

Reads the literal `pytest.mark.parametrize` tables with `ast` (no code of theirs is run or copied) and records,
for every case, the comparison settings its test function uses.
"""

import ast
import json
import math
import sys
from pathlib import Path

# test function -> the settings it passes to math-verify (read from the sdist's test bodies)
SETTINGS = {
    "test_number_extraction": {"match_types": ["expr"]},
    "test_latex_notation": {"match_types": ["latex"]},
    "test_latex_notation_math": {"match_types": ["latex"]},
    "test_relations_math": {"match_types": ["latex"]},
    "test_matrix_extraction": {"match_types": ["latex"]},
    "test_set_rel_assymetry": {"match_types": ["latex"]},
    "test_float_precision": {"precision": 5},
    "test_sqrt_precision": {"precision": 5},
    "test_symbols": {"precision": 5},
    # test_yujianll.py calls parse()/verify() with math-verify's defaults
    "test_yujianll.py::test_string_extraction": {"defaults": True},
}


def _table(node: ast.AST) -> list:
    try:
        return ast.literal_eval(node)
    except ValueError:  # one table builds a gold with an f-string over `math` (sqrt(17) to 15 decimals)
        return eval(compile(ast.Expression(node), "<table>", "eval"), {"math": math})


def main(folder: str) -> None:
    cases = []
    for path in sorted(Path(folder).glob("test_*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if not (isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "parametrize"):
                    continue
                names = [n.strip() for n in ast.literal_eval(deco.args[0]).split(",")]
                if "gold" not in names or "pred" not in names:
                    continue
                settings = SETTINGS.get(f"{path.name}::{node.name}", SETTINGS.get(node.name, {}))
                for row in _table(deco.args[1]):
                    values = dict(zip(names, row))
                    expected = values.pop("expected", values.pop("result", None))
                    case = {"source": f"tests/{path.name}::{node.name}", "gold": values.pop("gold"),
                            "pred": values.pop("pred"), "expected": int(expected)}
                    case.update(settings)
                    case.update(values)  # precision, strict, allow_set_relation_comp when parametrized
                    cases.append(case)
    header = {
        "source": "math-verify 0.9.0 sdist (https://pypi.org/project/math-verify/0.9.0/), tests/*.py",
        "licence": "Apache-2.0 (the sdist's LICENCE file; tests/test_all.py also carries an MIT header, "
        "Copyright (c) 2024 The HuggingFace Team)",
        "note": "Re-created as data by make_math_verify_cases.py; each case keeps the test it came from.",
        "count": len(cases),
    }
    json.dump({"about": header, "cases": cases}, sys.stdout, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
