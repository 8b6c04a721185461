"""Benchmark of the matching engine on synthetic counties and provinces.

    .venv/bin/python -m bench.matching --size county [--json]
    nice .venv/bin/python -m bench.matching --size province --json    # heavy: run it alone

(Run it as a module, or ``python -P bench/matching.py``: as a plain script its own directory
comes first on the path and this file would shadow the ``matching`` package.)

Prints, side by side in one run: candidate generation (KD-tree vs brute force on a sample),
top-10 for all needs, one new need against the cached index (p50/p99), our allocation vs
OR-Tools min-cost flow fed a plain arc list vs first come first served vs greedy best pair,
the budget-constrained allocation's gap to the LP bound and the top tier it serves against the
most any budget-feasible allocation could (OR-Tools CP-SAT), household bundles, and peak memory.
With ``--json`` the last line is one JSON object with every figure (bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.exit("run it as: python -m bench.matching … (or python -P bench/matching.py …)")

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from ortools.sat.python import cp_model

from bench.matching_budget import budget_figures
from matching.allocation import (
    allocate,
    allocate_fcfs,
    allocate_greedy,
    allocate_split,
    pair_values,
)
from matching.allocation.warm import WarmAllocation
from matching.budget import allocate_with_budget, lp_bound
from matching.bundles import allocate_bundled, bundle_stats
from matching.candidates import Candidates, brute_force_candidates, generate_candidates
from matching.index import CandidateIndex
from matching.ranking import rank_candidates
from matching.scoring import ScoredCandidates, score_candidates
from matching.success import SuccessModel, evaluate
from matching.synthetic import make_instance, make_outcomes


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU seconds of a block (the machine is shared: CPU shows contention)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def ortools_direct(needs, candidates, value_int, capacity, servable):
    """The same allocation problem fed to OR-Tools as a plain arc list, no preparation.

    Nodes: needs, providers, sink, and the floor node that lets at most (protected − servable)
    protected needs go unassigned. Every candidate pair is an arc.
    """
    n, m = len(needs), capacity.shape[0]
    sink, floor = n + m, n + m + 1
    need = candidates.need
    idle = np.where(needs.protected, floor, sink)
    tails = np.concatenate([need, np.arange(n), np.arange(n, n + m), [floor]])
    heads = np.concatenate([n + candidates.provider, idle, np.full(m, sink), [sink]])
    caps = np.concatenate(
        [np.ones(need.shape[0] + n), capacity, [int(needs.protected.sum()) - servable]]
    )
    costs = np.concatenate([-value_int, np.zeros(n + m + 1, dtype=np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    supplies = np.zeros(n + m + 2, dtype=np.int64)
    supplies[:n], supplies[sink] = 1, -n
    flow.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int32), supplies)
    status = flow.solve()
    assert status == flow.OPTIMAL, status
    return -flow.optimal_cost()


def servable_direct(needs, candidates, capacity):
    """Most protected needs any allocation could serve: OR-Tools max flow over them alone."""
    n, m = len(needs), capacity.shape[0]
    pairs = np.flatnonzero(needs.protected[candidates.need])
    source, sink = n + m, n + m + 1
    flow = max_flow.SimpleMaxFlow()
    protected = np.flatnonzero(needs.protected)
    flow.add_arcs_with_capacity(
        np.concatenate(
            [np.full(protected.size, source), candidates.need[pairs], n + np.arange(m)]
        ).astype(np.int32),
        np.concatenate([protected, n + candidates.provider[pairs], np.full(m, sink)]).astype(
            np.int32
        ),
        np.concatenate([np.ones(protected.size + pairs.size), capacity]).astype(np.int64),
    )
    assert flow.solve(source, sink) == flow.OPTIMAL
    return int(flow.optimal_flow())


def budget_servable_exact(
    needs, providers, candidates, budgets, need_group=None, provider_group=None
):
    """Most protected needs any allocation within capacities and budgets serves: OR-Tools CP-SAT
    on the protected needs' pairs (independent of the engine's max flows and HiGHS MIP).

    With groups, pairs that cross groups are left out, as the budget search leaves them out.
    """
    pairs = np.flatnonzero(needs.protected[candidates.need])
    if need_group is not None:
        crossing = need_group[candidates.need[pairs]] != provider_group[candidates.provider[pairs]]
        pairs = pairs[~crossing]
    need, provider = candidates.need[pairs], candidates.provider[pairs]
    pool = np.where(providers.unit_cost[provider] > 0, providers.pool[provider], -1)
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in range(pairs.shape[0])]
    order = np.argsort(need, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(need[order])) + 1):
        model.add_at_most_one(x[a] for a in rows.tolist())
    order = np.argsort(provider, kind="stable")
    for rows in np.split(order, np.flatnonzero(np.diff(provider[order])) + 1):
        if rows.size:
            limit = int(providers.capacity[provider[rows[0]]])
            model.add(sum(x[a] for a in rows.tolist()) <= limit)
    cost = providers.unit_cost[provider]
    for p in np.unique(pool[pool >= 0]).tolist():
        rows = np.flatnonzero(pool == p).tolist()
        model.add(sum(int(cost[a]) * x[a] for a in rows) <= int(budgets[p]))
    model.maximize(sum(x))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status == cp_model.OPTIMAL, solver.status_name(status)
    return round(solver.objective_value)


def warm_resolve(needs, providers, scored, args) -> dict:
    """One new need: the warm re-solve from the previous optimum against a cold flow of the
    grown instance (CPU seconds; the same integer objective is asserted)."""
    cand = scored.candidates
    rng = np.random.default_rng(args.seed)
    usable = np.flatnonzero((cand.counts() > 0) & ~needs.protected)
    newcomer = int(rng.choice(usable))
    rest = np.flatnonzero(np.arange(len(needs)) != newcomer)
    keep = np.flatnonzero(cand.need != newcomer)
    head = ScoredCandidates(
        Candidates(
            np.concatenate([[0], np.cumsum(np.delete(cand.counts(), newcomer))]),
            cand.provider[keep],
            cand.distance_km[keep],
        ),
        scored.score[keep],
        {name: values[keep] for name, values in scored.components.items()},
        scored.weights,
    )
    warm = WarmAllocation(needs.take(rest), providers, head)
    rows = slice(cand.ptr[newcomer], cand.ptr[newcomer + 1])
    with Clock() as w:
        result = warm.add_need(
            provider=cand.provider[rows],
            score=scored.score[rows],
            priority=float(needs.priority[newcomer]),
        )
    order = np.append(rest, newcomer)
    grown_needs = needs.take(order)
    grown = ScoredCandidates(
        Candidates(
            np.append(head.candidates.ptr, head.candidates.ptr[-1] + rows.stop - rows.start),
            np.concatenate([head.candidates.provider, cand.provider[rows]]),
            np.concatenate([head.candidates.distance_km, cand.distance_km[rows]]),
        ),
        np.concatenate([head.score, scored.score[rows]]),
        {},
        scored.weights,
    )
    with Clock() as c:
        cold = allocate(grown_needs, providers, grown, scale=warm.base_scale)
    assert cold.objective_int == result.objective_int, "warm ≠ cold optimum"
    print(
        f"warm          one new need re-solved from the optimum in {w.cpu:.3f} s CPU "
        f"({w.wall:.3f} s wall) vs a cold flow {c.cpu:.3f} s CPU ({c.wall:.3f} s wall): "
        f"ratio {w.cpu / c.cpu:.3f}, same objective"
    )
    ratio = w.cpu / c.cpu
    return dict(warm_resolve_s=w.cpu, cold_resolve_s=c.cpu, warm_cold_ratio=ratio)


def run(args) -> dict:
    out = {"size": args.size, "seed": args.seed, "loadavg_start": os.getloadavg()[0]}
    print(f"== matching benchmark: {args.size}, seed {args.seed}")

    with Clock() as c:
        instance = make_instance(args.size, random_state=args.seed)
    needs, providers = instance.needs, instance.providers
    out.update(needs=len(needs), providers=len(providers), generate_s=c.wall)
    print(f"instance      {len(needs):,} needs × {len(providers):,} providers ({c.wall:.2f} s)")

    with Clock() as c:
        X, y = make_outcomes(make_instance("county", random_state=args.seed + 1), 20_000, 1)
        train = np.arange(len(y)) < 15_000
        model = SuccessModel(random_state=0).fit(X[train], y[train])
        metrics = evaluate(model, X[~train], y[~train])
    out.update(success_auc=metrics["auc"], success_brier=metrics["brier"], train_s=c.wall)
    print(
        f"success model AUC {metrics['auc']:.3f}, Brier {metrics['brier']:.4f} "
        f"(prior {metrics['brier_prior']:.4f}), trained in {c.wall:.2f} s"
    )

    # -- candidates and ranking -------------------------------------------------------------
    with Clock() as c:
        candidates = generate_candidates(needs, providers)
    out.update(candidates_s=c.wall, candidates_cpu_s=c.cpu, pairs=len(candidates))
    sample = np.unique(
        np.linspace(0, len(needs) - 1, min(args.brute_sample, len(needs))).astype(int)
    )
    with Clock() as b:
        brute = brute_force_candidates(needs.take(sample), providers)
    same = all(
        np.array_equal(
            brute.provider[brute.ptr[k] : brute.ptr[k + 1]],
            candidates.provider[candidates.ptr[i] : candidates.ptr[i + 1]],
        )
        for k, i in enumerate(sample)
    )
    assert same, "the tree and brute force disagree"
    tree_share = c.wall * len(sample) / len(needs)
    out.update(
        brute_sample=len(sample),
        brute_sample_s=b.wall,
        brute_full_estimate_s=b.wall * len(needs) / len(sample),
    )
    print(
        f"candidates    {len(candidates):,} pairs ({len(candidates) / len(needs):.1f}/need) in "
        f"{c.wall:.3f} s (cpu {c.cpu:.3f}); brute force on {len(sample):,} needs "
        f"{b.wall:.3f} s vs tree's share {tree_share:.4f} s, same pairs; brute force for all "
        f"≈ {out['brute_full_estimate_s']:.0f} s"
    )
    with Clock() as c:
        scored = score_candidates(needs, providers, candidates, success_model=model)
        ranking = rank_candidates(scored, k=10)
    out.update(
        rank_all_s=c.wall, rank_all_cpu_s=c.cpu, ranked=len(ranking), peak_rss_rank_mb=peak_rss_mb()
    )
    print(
        f"top-10 all    {c.wall:.3f} s (cpu {c.cpu:.3f}) for {len(needs):,} needs; "
        f"candidates + top-10 {out['candidates_s'] + c.wall:.3f} s; "
        f"peak RSS so far {out['peak_rss_rank_mb']:.0f} MB"
    )

    # -- one new need against the cached index ----------------------------------------------
    with Clock() as c:
        index = CandidateIndex().fit(providers)
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(needs), size=min(args.one_need, len(needs)), replace=False)
    times, cpu_times = [], []
    for i in chosen.tolist():
        start, cpu = time.perf_counter(), time.thread_time()
        alone = index.rank(needs.take([i]), k=10, success_model=model)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.thread_time() - cpu)
        row = slice(ranking.ptr[i], ranking.ptr[i + 1])
        assert np.array_equal(alone.provider, ranking.provider[row]), "one need ≠ batch"
    times, cpu_times = np.array(times) * 1000, np.array(cpu_times) * 1000
    j = int(np.flatnonzero(providers.kind == 1)[0])
    start = time.perf_counter()
    index.update_provider(j, lat=float(needs.lat[0]), lon=float(needs.lon[0]), radius_km=3.0)
    index.rank(needs.take([0]), k=10, success_model=model)
    reindex_ms = (time.perf_counter() - start) * 1000
    out.update(
        index_build_s=c.wall,
        rank_one_ms=float(np.percentile(times, 99)),
        rank_one_p50_ms=float(np.percentile(times, 50)),
        rank_one_cpu_p99_ms=float(np.percentile(cpu_times, 99)),
        reindex_ms=reindex_ms,
        index_rebuilds=index.rebuilds_,
    )
    print(
        f"one new need  p50 {out['rank_one_p50_ms']:.3f} ms, p99 {out['rank_one_ms']:.3f} ms "
        f"(cpu p99 {out['rank_one_cpu_p99_ms']:.3f} ms) "
        f"over {len(chosen):,} needs (index built in {c.wall:.3f} s, same top-10 as the batch); "
        f"a moved volunteer re-indexed and a need ranked in {reindex_ms:.3f} ms, "
        f"{index.rebuilds_} rebuilds"
    )

    # -- allocation -------------------------------------------------------------------------
    value_int, scale = pair_values(needs, scored)[1:3]
    with Clock() as c:
        servable = servable_direct(needs, candidates, providers.capacity.astype(np.int64))
        direct = ortools_direct(
            needs, candidates, value_int, providers.capacity.astype(np.int64), servable
        )
    out.update(
        ortools_s=c.wall,
        ortools_cpu_s=c.cpu,
        ortools_objective=direct / scale,
        ortools_objective_int=direct,
    )
    with Clock() as c:
        ours = allocate(needs, providers, scored)
    out.update(
        alloc_s=c.wall,
        alloc_cpu_s=c.cpu,
        alloc_objective=ours.objective_int / scale,
        value_scale=scale,
        alloc_objective_int=ours.objective_int,
        alloc_value=ours.objective,
        allocated=ours.n_allocated,
        top_tier_served=ours.protected_served,
        top_tier_servable=servable,
        top_tier_needs=int(needs.protected.sum()),
        peak_rss_alloc_mb=peak_rss_mb(),
    )
    assert ours.objective_int == direct, "our allocation is not at OR-Tools' optimum"
    assert ours.protected_servable == servable
    fcfs = allocate_fcfs(needs, providers, scored)
    greedy = allocate_greedy(needs, providers, scored)
    plain = allocate(needs, providers, scored, protect=False)
    out.update(
        fcfs_objective=fcfs.objective_int / scale,
        fcfs_s=fcfs.seconds["solve"],
        fcfs_top_tier_served=fcfs.protected_served,
        greedy_objective=greedy.objective_int / scale,
        greedy_s=greedy.seconds["solve"],
        greedy_top_tier_served=greedy.protected_served,
        unprotected_objective=plain.objective_int / scale,
        unprotected_top_tier_served=plain.protected_served,
    )
    print(f"allocation    {'method':<28}{'objective':>14}{'allocated':>11}{'top tier':>10}{'s':>9}")
    for name, result, seconds in (
        ("ours (flow + floor)", ours, out["alloc_s"]),
        ("OR-Tools direct, same arcs", None, out["ortools_s"]),
        ("first come first served", fcfs, out["fcfs_s"]),
        ("greedy best pair first", greedy, out["greedy_s"]),
        ("flow without the floor", plain, plain.seconds["solve"] + plain.seconds["prepare"]),
    ):
        objective = direct / scale if result is None else result.objective_int / scale
        allocated = "" if result is None else f"{result.n_allocated:,}"
        top = f"{servable:,}" if result is None else f"{result.protected_served:,}"
        print(f"              {name:<28}{objective:>14,.3f}{allocated:>11}{top:>10}{seconds:>9.2f}")
    print(
        f"              top tier served {ours.protected_served:,} of {servable:,} servable "
        f"({out['top_tier_needs']:,} in all); ours / OR-Tools time "
        f"{out['alloc_s'] / out['ortools_s']:.2f} (cpu {out['alloc_cpu_s']:.2f} / "
        f"{out['ortools_cpu_s']:.2f} s); FCFS reaches "
        f"{fcfs.objective_int / ours.objective_int:.1%}, greedy "
        f"{greedy.objective_int / ours.objective_int:.1%} of the optimum"
    )

    if args.warm:
        out.update(warm_resolve(needs, providers, scored, args))

    if args.split:
        with Clock() as c:
            split = allocate_split(
                needs,
                providers,
                scored,
                instance.need_county,
                instance.provider_county,
            )
        loss = (ours.objective_int - split.objective_int) / ours.objective_int
        out.update(
            split_s=c.wall,
            split_cpu_s=c.cpu,
            split_objective=split.objective_int / scale,
            split_loss=loss,
            split_top_tier_served=split.protected_served,
        )
        print(
            f"split         by county: {c.wall:.2f} s, objective "
            f"{split.objective_int / scale:,.3f}, {loss:.4%} below one global flow, "
            f"top tier {split.protected_served:,}"
        )

    # -- budget pools -----------------------------------------------------------------------
    if not args.skip_budget:
        groups = {}
        if args.split:  # pools belong to counties: search each county's prices apart
            groups = dict(need_group=instance.need_county, provider_group=instance.provider_county)
        with Clock() as c:
            budget = allocate_with_budget(needs, providers, scored, instance.budgets, **groups)
        figures = budget_figures(budget, needs, providers, scored, instance.budgets, groups, scale)
        out.update(budget_s=c.wall, budget_cpu_s=c.cpu, **figures)
        with Clock() as exact:
            servable_budget = budget_servable_exact(
                needs, providers, candidates, instance.budgets, **groups
            )
        out.update(
            budget_top_tier_served=budget.allocation.protected_served,
            budget_floor_proven=budget.floor_proven,
            budget_top_tier_servable=servable_budget,
            budget_top_tier_exact_s=exact.wall,
        )
        assert budget.allocation.protected_served >= servable_budget
        gap, kind = budget.gap, "Lagrangian" + (" (split by county)" if groups else "")
        if args.lp:
            with Clock() as solving:
                lp = lp_bound(needs, providers, scored, instance.budgets, floor=budget.floor)
            gap, kind = (lp - budget.allocation.objective_int / scale) / lp, "LP"
            out.update(lp_s=solving.wall, lp_bound=lp)
        out.update(budget_gap=gap, budget_gap_to=kind)
        print(
            f"budget        {budget.flows} flows in {c.wall:.2f} s (cpu {c.cpu:.2f}): objective "
            f"{budget.allocation.objective_int / scale:,.3f}, {gap:.4%} from the {kind} bound"
            + (f" (HiGHS LP {out['lp_s']:.1f} s)" if args.lp else "")
            + f"; {out['budget_spend_share']:.1%} of the pools spent, "
            f"top tier served {budget.allocation.protected_served:,} of {servable_budget:,} "
            f"servable within the budgets (CP-SAT, {exact.wall:.1f} s)"
        )

    # -- household bundles ------------------------------------------------------------------
    with Clock() as c:
        bundled = allocate_bundled(needs, providers, scored, strength=0.3)
    before, after = bundle_stats(needs, ours), bundle_stats(needs, bundled)
    cost = (ours.objective_int - bundled.objective_int) / ours.objective_int
    out.update(
        bundle_s=c.wall,
        bundle_cost=cost,
        bundle_providers_per_household=after["providers_per_household"],
        plain_providers_per_household=before["providers_per_household"],
        bundle_single_provider_share=after["single_provider_share"],
        plain_single_provider_share=before["single_provider_share"],
    )
    print(
        f"bundles       strength 0.3: providers per multi-need household "
        f"{before['providers_per_household']:.3f} → {after['providers_per_household']:.3f}, "
        f"served by one provider {before['single_provider_share']:.1%} → "
        f"{after['single_provider_share']:.1%}, costs {cost:.2%} of priority × score"
    )

    out.update(peak_rss_mb=peak_rss_mb(), loadavg_end=os.getloadavg()[0])
    print(
        f"peak RSS      {out['peak_rss_mb']:.0f} MB; load average {out['loadavg_start']:.1f} → "
        f"{out['loadavg_end']:.1f} on {os.cpu_count()} cores"
    )
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="county", choices=["small", "county", "province"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--brute-sample", type=int, default=2000)
    parser.add_argument("--one-need", type=int, default=1000)
    parser.add_argument("--skip-budget", action="store_true")
    parser.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time a warm re-solve for one new need against a cold flow",
    )
    parser.add_argument(
        "--lp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="solve the budget LP with HiGHS (default: not for a province)",
    )
    parser.add_argument(
        "--split",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also allocate county by county (default: for a province)",
    )
    args = parser.parse_args(argv)
    if args.lp is None:
        args.lp = args.size != "province"
    if args.split is None:
        args.split = args.size == "province"
    out = run(args)
    if args.json:
        print(json.dumps(out, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
