"""Allocation when procured projects are paid per case from budget pools.

Each pool ``p`` may spend at most ``budgets[p]`` fen; a pair with a project of that pool costs
the project's ``unit_cost``. The budget rows break the flow structure, so the problem becomes a
MIP. It is solved by Lagrangian relaxation over the flow:

* price each pool's money at ``λ_p`` (value per fen), take ``λ_p × unit_cost`` off the value of
  its pairs and solve the exact min-cost flow: ``L(λ) = flow(λ) + Σ λ_p budget_p`` bounds the
  optimum from above for every ``λ ≥ 0`` and, the flow being totally unimodular, its minimum
  over ``λ`` *is* the LP bound;
* a price step changes only the values of pool-paid pairs, so it re-solves from the previous
  optimum (:class:`matching.budget.warm.WarmFlow`): the flow and its node potentials kept,
  pair arcs whose reduced cost turned negative saturated (or emptied), then balance restored
  by shortest augmenting paths over reduced costs, a maximum flow moving every unit those
  paths carry at once. The same integer optimum as a cold flow; a step that flips many pairs
  (more than 1% of the needs) is solved cold, since the warm solve takes about one round per
  flip, and the potentials are only worked out again once consecutive flows differ little;
* move each ``λ_p`` by a safeguarded secant on its pool's spend (bracketed between a price at
  which the pool overspends and one at which it does not), so a handful of flows suffice
  instead of the dozens a subgradient method takes;
* every flow also gives a feasible allocation: over-budget pools drop their cases of least value
  per fen (protected needs last), then needs move to better pairs that still fit (free
  capacity first, then the money left, best gain per fen first); the best of these is
  polished by one more flow that keeps its paid cases and re-solves everything else.

The top tier comes first here too. A max flow over the protected needs ignores the budgets, and
one over the pairs paid by no pool ignores the projects; neither is what a budget-feasible
allocation can serve. :func:`budget_servable` works that number out exactly (one more flow, or
a small MIP over the protected needs' pairs with the budget rows, only when the two max flows
differ), and every flow of the search, every repaired allocation kept and the polishing flow
serve at least that many: a repaired allocation that serves fewer is only kept when the
protected needs it dropped can be served without money, and when none is kept the allocation
that reached the number is polished instead.

Then the LP solution is rounded (:func:`matching.budget.rounding._settle`): the LP optimum lies
between the flows at each pool's bracketing prices, so the pairs all of them take are fixed and
the few they disagree on (the fractional part) are settled exactly by a MIP (HiGHS) with what
the fixed pairs leave of the capacities, the budgets and the floor. Its allocation, polished
like the others, is kept when it beats the best repaired one, so the rounding never lowers the
value (``settle=False`` leaves it out).

The result reports the best feasible objective, the best bound (the Lagrangian bound, equal to
the LP bound at convergence) and the gap between them, the price steps re-solved warm and the
pairs the rounding settled.
:func:`lp_bound` solves the LP (or, for small instances, the MIP) directly with HiGHS, for checks.
A province can be searched county by county (``need_group``/``provider_group``) when every pool
pays the providers of one county: each county then has prices of its own and smaller flows.
"""

from scipy.optimize import milp

from matching.budget.exact import budget_servable, lp_bound
from matching.budget.model import (
    _RESOLUTION,
    BudgetAllocation,
    Servable,
    _Problem,
    _protected_count,
    _spend,
)
from matching.budget.search import (
    _first_price,
    _lagrangian,
    _polish,
    _repair,
    _secant,
    allocate_with_budget,
)

__all__ = [
    "_RESOLUTION",
    "BudgetAllocation",
    "Servable",
    "_Problem",
    "_first_price",
    "_lagrangian",
    "_polish",
    "_protected_count",
    "_repair",
    "_secant",
    "_spend",
    "allocate_with_budget",
    "budget_servable",
    "lp_bound",
    "milp",
]
