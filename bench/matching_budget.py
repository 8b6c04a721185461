"""The budget search's figures for bench/matching.py: warm price steps against cold ones, and
the rounding of the LP solution (its settled pairs, the value reached and the gap to the bound).
"""

from __future__ import annotations

import numpy as np

from matching.budget import allocate_with_budget


def budget_figures(budget, needs, providers, scored, budgets, groups, scale) -> dict:
    """The JSON keys of one budget search (cold price steps, as the platform runs it), and a
    second search with warm steps to time them.

    The warm search follows the same prices (its flows are the same optima), without the
    rounding: its steps' CPU seconds, and its value as the unrounded one.
    """
    warm = allocate_with_budget(
        needs, providers, scored, budgets, warm=True, settle=False, **groups
    )
    warm_step = warm.seconds["steps_cpu"] / max(warm.steps, 1)
    cold_step = budget.seconds["steps_cpu"] / max(budget.steps, 1)
    out = dict(
        budget_flows=budget.flows,
        budget_objective=budget.allocation.objective_int / scale,
        budget_lagrangian_bound=budget.bound,
        budget_lagrangian_gap=budget.gap,
        budget_spend_share=float(budget.spend.sum() / budgets.sum()),
        budget_steps=budget.steps,
        budget_warm_steps=warm.warm_steps,
        budget_warm_step_s=warm_step,
        budget_cold_step_s=cold_step,
        budget_warm_step_ratio=warm_step / cold_step if cold_step else None,
        budget_lp_bound=budget.bound,
        budget_value=budget.allocation.objective,
        budget_gap_to_lp=budget.gap,
        budget_settled_pairs=budget.settled_pairs,
        budget_rounded_groups=budget.rounded_groups,
        budget_settle_s=budget.seconds["settle"],
        budget_unrounded_objective=warm.allocation.objective_int / scale,
    )
    assert np.all(budget.spend <= budgets)
    print(
        f"budget steps  {warm.steps} price steps, {warm.warm_steps} re-solved warm: "
        f"{warm_step:.3f} s CPU per step vs {cold_step:.3f} s cold "
        f"(ratio {out['budget_warm_step_ratio'] or 0:.2f}); rounding settled "
        f"{budget.settled_pairs:,} pairs by MIP in {budget.seconds['settle']:.2f} s, kept in "
        f"{budget.rounded_groups} group(s): value {budget.allocation.objective:,.3f} "
        f"(unrounded {out['budget_unrounded_objective']:,.3f}), {budget.gap:.4%} below the "
        f"Lagrangian bound {budget.bound:,.3f}"
    )
    return out
