"""The budget search's shared records: the result, one region's problem and what is servable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from matching.allocation import (
    PENALTY_RESOLUTION,
    Allocation,
)

# Penalties are rounded to 1 / (scale × _RESOLUTION) of a value unit; the bound allows for it.
_RESOLUTION = PENALTY_RESOLUTION


@dataclass(frozen=True, eq=False)
class BudgetAllocation:
    """An allocation within the pools' budgets, with its distance from the bound.

    Attributes
    ----------
    allocation : Allocation
    spend : ndarray of shape (n_pools,), int64
        Fen spent from each pool.
    budgets : ndarray of shape (n_pools,), int64
    prices : ndarray of shape (n_pools,), float64
        The final Lagrange multiplier of each pool, in value per yuan.
    bound : float
        Upper bound on the objective (original units): the best Lagrangian bound, or the LP
        bound when it was computed.
    bound_kind : {"lagrangian", "lp", "exact"}
    gap : float
        ``(bound − objective) / bound``, ≥ 0.
    flows : int
        Min-cost flows solved.
    floor : int
        Protected needs that had to be served: the most any budget-feasible allocation can
        serve (:func:`budget_servable`), summed over the groups.
    floor_proven : bool
        False when the MIP of some group stopped at its time limit: ``floor`` is then what
        the best allocation HiGHS found serves, not proven the most.
    seconds : dict
        Wall seconds of each part; ``steps_cpu`` is the CPU seconds of the price steps.
    history : list of list of (bound, objective)
        For each group with a pool, the best bound and best feasible objective (scaled
        integer units; None until a repaired allocation kept the floor) after each flow, the
        last entries after the polishing flows.
    steps, warm_steps : int
        Price steps after each group's first flow, and those re-solved warm (a step that
        flips many pairs is solved cold, :class:`matching.budget.warm.WarmFlow`).
    settled_pairs : int
        Pairs the bracketing flows disagreed on, settled by the rounding's MIP.
    rounded_groups : int
        Groups whose allocation is the rounding's (it beat the best repaired one).
    """

    allocation: Allocation
    spend: np.ndarray
    budgets: np.ndarray
    prices: np.ndarray
    bound: float
    bound_kind: str
    gap: float
    flows: int
    floor: int
    floor_proven: bool = True
    seconds: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    steps: int = 0
    warm_steps: int = 0
    settled_pairs: int = 0
    rounded_groups: int = 0

    @property
    def objective(self) -> float:
        return self.allocation.objective


@dataclass
class _Figures:
    """What one group's search did besides its flows: steps, their CPU time, the rounding."""

    steps: int = 0
    warm: int = 0
    step_cpu_s: float = 0.0
    settled: int = 0
    rounded: int = 0
    settle_s: float = 0.0


@dataclass
class _Problem:
    """One region's pairs, their values and costs, as positions."""

    pairs: np.ndarray  # indices into the scored candidates
    need: np.ndarray
    provider: np.ndarray
    value_int: np.ndarray
    cost: np.ndarray  # fen per case, 0 when not from a pool
    pool: np.ndarray  # pool of each pair, -1 when none
    floor: int  # protected needs every allocation kept must serve


class Servable(NamedTuple):
    """What :func:`budget_servable` found.

    Attributes
    ----------
    served : int
    chosen : ndarray of shape (served,) or (0,), int64
        Indices of the pairs of one allocation serving that many, or empty when no pool money
        is needed (the pairs paid by no pool serve as many).
    proven : bool
        False when HiGHS stopped at its time limit: ``served`` is then the best allocation
        it found (never fewer than the pairs paid by no pool serve), not proven the most.
    """

    served: int
    chosen: np.ndarray
    proven: bool


def _protected_count(problem: _Problem, pairs, protected) -> int:
    return int(np.count_nonzero(protected[problem.need[pairs]]))


def _spend(problem: _Problem, chosen, n_pools):
    pooled = chosen[problem.pool[chosen] >= 0]
    return np.bincount(
        problem.pool[pooled], weights=problem.cost[pooled], minlength=n_pools
    ).astype(np.int64)
