"""Allocation: at most one provider per need, within every provider's remaining capacity.

The objective is the sum over allocated pairs of ``priority × score`` (the need's registry
priority times the candidate's score), and it is solved exactly as a min-cost flow (OR-Tools):

    need ──(1, −value)──▶ provider ──(capacity, 0)──▶ sink
      └──────────(1, 0: "unassigned")────────────────▶ sink

Costs must be integers, so values are scaled relative to the instance: the largest pair value
becomes ``R`` integer units, ``R`` as large as the solver's cost range allows for the instance
(:func:`resolution`: about ``2^62 / ((needs + 1) · nodes · 32)``, at most ``2^40``), so any
priority scale keeps the same relative precision. Each pair's value is off by at most ½ unit
after rounding, so the allocation found is within ½ unit (``1 / (2 · scale)`` of a value) per
need served, by it or by the true optimum, of the best ``priority × score``; objectives are
reported both in the integer unit and in the original one.

A pair that rounds to nothing (a priority-0 need) is still worth serving when capacity is
idle: every other value is multiplied by ``step``, one more than the number of needs with such
a pair, and those pairs get one unit. All of them together are worth at most ``step − 1``
units, strictly less than one step, so they never displace any real value: the flow maximises
the rounded ``priority × score`` first and, among the allocations as good as that, serves as
many of those needs as it can.

The top tier comes first. Weights alone cannot promise it: one more protected need served can
take an alternating chain of reassignments whose loss in ``priority × score`` outweighs it. So
the flow carries a **floor**: the unassigned arcs of protected needs (特困, orphans, severely
disabled) go through one node whose capacity lets at most ``protected − servable`` of them go
unserved, where ``servable`` is a max flow over the protected needs alone. The allocation then
serves as many of them as any allocation could and, among those allocations, has the largest
``priority × score``.

Two baselines show what the optimisation buys: first come, first served (needs in arrival order,
each takes its best free provider: what stations do by hand) and greedy best pair first.
"""

from matching.allocation.baselines import allocate_fcfs, allocate_greedy
from matching.allocation.flow import (
    _COST_LIMIT,
    PENALTY_RESOLUTION,
    Allocation,
    PairValues,
    _result,
    max_servable,
    pair_values,
    protected_servable,
    resolution,
    solve_flow,
)
from matching.allocation.solve import allocate, allocate_split

__all__ = [
    "PENALTY_RESOLUTION",
    "_COST_LIMIT",
    "Allocation",
    "PairValues",
    "_result",
    "allocate",
    "allocate_fcfs",
    "allocate_greedy",
    "allocate_split",
    "max_servable",
    "pair_values",
    "protected_servable",
    "resolution",
    "solve_flow",
]
