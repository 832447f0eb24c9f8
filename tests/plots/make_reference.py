"""Make the reference images of tests/plots/test_reference.py (and the README's pictures).

    cd <repo> && python tests/plots/make_reference.py          # tests/plots/reference/*.png
    cd <repo> && python tests/plots/make_reference.py --docs   # docs/img/roc.png, margin-losses.png

Each picture is drawn by the command itself (``python -m losscli plot ...``); rerun this after
a deliberate change of a picture's look, and look at the images before committing them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).resolve().parent / "reference"
S = "sample_data"
# name -> the arguments of `losscli plot` (cwd: the repository)
CASES = {
    "roc": [f"{S}/binary.csv", "--kind", "roc"],
    "margin-losses": ["--kind", "margin-losses"],
    "confusion": [f"{S}/multiclass_probs.csv", "--kind", "confusion"],
    "calibration": [f"{S}/binary.csv", "--kind", "calibration"],
}
SMALL = ["--size", "5,4", "--dpi", "80"]
DOCS = {
    "roc": [f"{S}/binary.csv", "--kind", "roc", "--size", "5,4.5", "--dpi", "100"],
    "margin-losses": ["--kind", "margin-losses", "--size", "6,4.5", "--dpi", "100"],
}


def draw(args: list[str], out: Path) -> None:
    cmd = [sys.executable, "-m", "losscli", "plot", *args, "-o", str(out), "--no-config"]
    subprocess.run(cmd, cwd=ROOT, check=True)


def main() -> None:
    if "--docs" in sys.argv:
        (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
        for name, args in DOCS.items():
            draw(args, ROOT / "docs" / "img" / f"{name}.png")
        return
    REFERENCE.mkdir(exist_ok=True)
    for name, args in CASES.items():
        draw([*args, *SMALL], REFERENCE / f"{name}.png")


if __name__ == "__main__":
    main()
