"""``--ci``'s settings: level, method, replicates and seed, checked (usage errors)."""

from __future__ import annotations

from dataclasses import dataclass

METHODS = ("auto", "bootstrap", "analytic")


@dataclass(frozen=True)
class CiSettings:
    level: float = 0.95
    method: str = "auto"
    n_boot: int = 1000
    seed: int = 12345
    # compare: replicates of every figure (the paired bootstrap), and intervals in the
    # report only when asked for (``show``)
    all_figures: bool = False
    show: bool = True

    def signature(self) -> str:
        return f"ci:level={self.level!r},method={self.method},n_boot={self.n_boot},seed={self.seed}"


MAX_BOOT = 100_000


def make_ci(level: float, method: str, n_boot: int, seed: int) -> CiSettings:
    """``--ci-level``, ``--ci-method``, ``--n-boot`` and ``--seed`` checked (usage errors)."""
    from losscli.errors import UsageError, unknown_choice

    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise UsageError(f"--ci-level must be between 0 and 1 (exclusive), got {level!r}")
    if method not in METHODS:
        raise unknown_choice("--ci-method", method, METHODS)
    if not (isinstance(n_boot, int) and 1 <= n_boot <= MAX_BOOT):
        raise UsageError(f"--n-boot must be an integer from 1 to {MAX_BOOT:,}, got {n_boot!r}")
    if not (isinstance(seed, int) and 0 <= seed < 2**64):
        raise UsageError(f"--seed must be an integer from 0 to 2**64 - 1, got {seed!r}")
    return CiSettings(float(level), method, n_boot, seed)


__all__ = ["MAX_BOOT", "METHODS", "CiSettings", "make_ci"]
