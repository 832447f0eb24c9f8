"""The HTML reports of ``eval``, ``batch`` and ``compare`` in a real browser: headless
Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it) renders each page, the
screenshot must not be blank and the console must stay silent (a page without scripts
has nothing to say: any console line is a script, a refused load or a broken document).

The screenshots are kept: under the test's tmp path, and in ``test-artifacts/`` at the
repository's root when ``LOSSCLI_ARTIFACTS`` is set.  Without Chromium the test is
skipped locally and fails in CI (``CI`` set): CI must run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data"
FLAGS = (
    "--headless",
    "--no-sandbox",  # as root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
SIZE = (1280, 2000)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: CI must run the browser test (.ci/cli)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(page: Path, png: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Chromium on ``page``: its screenshot written to ``png``, its stderr returned."""
    with tempfile.TemporaryDirectory() as profile:  # a fresh profile every time
        proc = subprocess.run(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                f"--window-size={SIZE[0]},{SIZE[1]}",
                *extra,
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert png.exists(), proc.stderr[-2000:]
    return proc


def console(stderr: str) -> list[str]:
    """The page's console lines (and refused loads) among Chromium's own log lines."""
    marks = (":CONSOLE", "Uncaught", "Refused to", "violates the following Content Security")
    return [line for line in stderr.splitlines() if any(m in line for m in marks)]


def pixels(png: Path) -> np.ndarray:
    from matplotlib.image import imread

    img = imread(str(png))
    return (img[..., :3] * 255).round().astype(np.uint8)


def not_blank(png: Path) -> None:
    img = pixels(png)
    assert img.shape[:2] == (SIZE[1], SIZE[0])
    rgb = img.reshape(-1, 3).astype(np.uint32)
    # the distinct colours, each packed into one integer (np.unique(axis=0) on the rows of
    # a 1280x2000 screenshot takes seconds: it sorts a structured view)
    colours = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2])
    assert len(colours) > 50  # text, tables, badges and pictures, not a flat page
    ink = np.any(img < 235, axis=2).mean()
    assert ink > 0.01, f"only {ink:.1%} of the screenshot is not white"


def keep(png: Path) -> None:
    if os.environ.get("LOSSCLI_ARTIFACTS"):
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        shutil.copy(png, out / png.name)


@pytest.fixture
def models(tmp_path: Path) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(21)
    n = 300
    y = rng.integers(0, 2, n)
    t = tmp_path / "targets.csv"
    t.write_text("label\n" + "".join(f"{v}\n" for v in y))
    out = []
    for name, noise in (("model_a.csv", 0.45), ("model_b.csv", 0.75)):
        p = np.clip(y * (1 - noise) + noise * rng.random(n), 0, 1)
        path = tmp_path / name
        path.write_text("prob\n" + "".join(f"{v:.6f}\n" for v in p))
        out.append(path)
    return t, out[0], out[1]


def commands(kind: str, models: tuple[Path, Path, Path]) -> list[object]:
    t, a, b = models
    if kind == "eval":
        gates = ["--check", "roc_auc>0.8", "--check", "ece<0.01"]
        return ["eval", SAMPLES / "binary.csv", "--ci", "--n-boot", "50", "-m", "accuracy",
                "-m", "roc_auc", "-m", "ece", *gates]  # fmt: skip
    if kind == "batch":
        return ["batch", a, b, "--targets", t, "--ci", "--n-boot", "50", "--sort-by",
                "binary_cross_entropy", "--check", "accuracy>0.7"]  # fmt: skip
    return ["compare", a, b, "--targets", t, "--n-boot", "50", "-m", "accuracy", "-m", "roc_auc"]


@pytest.mark.parametrize("kind", ["eval", "batch", "compare"])
def test_the_html_report_renders_in_chromium(cli, models, tmp_path, kind) -> None:
    chromium()
    page = tmp_path / f"{kind}.html"
    res = cli(*commands(kind, models), "-f", "html", "-o", page)
    assert res.code in (0, 1), res.err  # 1: a gate failed, shown in the page
    assert page.exists()
    png = tmp_path / f"html-{kind}.png"
    proc = browse(page, png)
    keep(png)
    assert console(proc.stderr) == []
    not_blank(png)


def test_the_dom_holds_the_tables_and_pictures(cli, tmp_path) -> None:
    chromium()
    page = tmp_path / "eval.html"
    res = cli("eval", SAMPLES / "multiclass_probs.csv", "-f", "html", "-o", page)
    assert res.code == 0, res.err
    proc = browse(page, tmp_path / "dom.png", "--dump-dom")
    dom = proc.stdout
    assert console(proc.stderr) == []
    assert dom.count("<svg") == page.read_text(encoding="utf-8").count("<svg") >= 3
    assert "<h2>Figures</h2>" in dom and "categorical_cross_entropy" in dom


def test_the_console_check_catches_a_script(tmp_path) -> None:
    """The control: a page whose script fails is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><script>undefined_fn()</script></body></html>"
    )
    proc = browse(page, tmp_path / "bad.png")
    assert any("undefined_fn" in line for line in console(proc.stderr))
