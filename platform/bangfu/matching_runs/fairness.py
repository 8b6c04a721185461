"""How fairly a run shares what there is, township by township, and what nobody can serve.

An allocation run reports, for each township of its needs:

- the protected needs (特困, orphans, severely disabled: ``Needs.protected``) it serves, out of
  those of the township that have at least one candidate;
- the needs with no candidate at all, by service category: nobody in reach offers the service,
  so only buying it (a procured project) would serve them;
- what the run gains over **first come, first served**, the way a station works through its
  referrals by hand: in the order the needs were opened (the longest wait first, then the need's
  id), each need takes its best-scoring candidate that still has a free place
  (``matching.allocation.allocate_fcfs``). The baseline respects every provider's capacity; it
  knows nothing of procured projects' budgets, so it may spend more than a project has left,
  which makes it, if anything, a kinder yardstick than the real desk;
- the needs served by each kind of provider (station, volunteer, procured project, charity
  offer).

The whole run also keeps its protected needs served against the most any allocation could serve
(``servable``: a max flow over the protected needs alone, within budgets when projects are paid
per case), the figure of its summary.

The report is plain JSON stored on the run (``MatchingRun.fairness``); townships are named by
their code and categories by their pk, turned into names when shown.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from matching.types import KINDS, Needs, Providers

TOWNSHIP_DIGITS = 9  # GB/T 2260: 6 digits of county, 3 of township, 3 of village


def township_code(region_code: int) -> str:
    """The township of a household's village (a household placed in a township is its own)."""
    return str(int(region_code))[:TOWNSHIP_DIGITS]


def fairness_report(
    needs: Needs,
    providers: Providers,
    *,
    category_ids: list[int],
    candidate_counts: np.ndarray,
    allocated: np.ndarray,
    value: np.ndarray,
    baseline: np.ndarray,
    baseline_value: np.ndarray,
    servable: int,
) -> dict:
    """The run's fairness report.

    Parameters
    ----------
    needs, providers : Needs, Providers
    category_ids : list of int
        ``ServiceCategory`` pk of each column of ``needs.category``.
    candidate_counts : ndarray of shape (n_needs,), int
        Candidate pairs of each need.
    allocated, baseline : ndarray of shape (n_needs,), int
        Provider position serving each need (-1: none) in the run and in the first-come,
        first-served baseline.
    value, baseline_value : ndarray of shape (n_needs,), float
        ``priority × score`` of each need's allocated pair (0 when unserved).
    servable : int
        The most protected needs any allocation could serve.
    """
    served, fcfs_served = allocated >= 0, baseline >= 0
    protected = needs.protected.astype(bool)
    # Read only where a need is served, which takes a provider.
    kinds = providers.kind[np.maximum(allocated, 0)] if len(providers) else allocated
    rows: dict[str, dict] = {}
    for i in range(len(needs)):
        code = township_code(needs.region[i])
        row = rows.setdefault(
            code,
            {
                "code": code,
                "needs": 0,
                "served": 0,
                "fcfs_served": 0,
                "value": 0.0,
                "fcfs_value": 0.0,
                "protected": 0,
                "protected_with_candidate": 0,
                "protected_served": 0,
                "fcfs_protected_served": 0,
                "no_candidate": defaultdict(int),
                "by_kind": dict.fromkeys(KINDS, 0),
            },
        )
        row["needs"] += 1
        row["served"] += int(served[i])
        row["fcfs_served"] += int(fcfs_served[i])
        row["value"] += float(value[i])
        row["fcfs_value"] += float(baseline_value[i])
        if protected[i]:
            row["protected"] += 1
            row["protected_with_candidate"] += int(candidate_counts[i] > 0)
            row["protected_served"] += int(served[i])
            row["fcfs_protected_served"] += int(fcfs_served[i])
        if candidate_counts[i] == 0:
            row["no_candidate"][str(category_ids[int(needs.category[i])])] += 1
        if served[i]:
            row["by_kind"][KINDS[int(kinds[i])]] += 1
    townships = []
    for code in sorted(rows):
        row = rows[code]
        row["no_candidate"] = dict(sorted(row["no_candidate"].items()))
        townships.append(row)
    return {
        "protected": {"served": int(np.count_nonzero(protected & served)), "servable": servable},
        "fcfs": {
            "served": int(np.count_nonzero(fcfs_served)),
            "protected_served": int(np.count_nonzero(protected & fcfs_served)),
            "value": float(baseline_value.sum()),  # unrounded: ``explain`` formats it
        },
        "townships": townships,
    }


def merge_reports(reports: list[dict]) -> dict:
    """One report for a run split by county, from its counties' (their townships are apart)."""
    reports = [report for report in reports if report]
    if not reports:
        return {}
    return {
        "protected": {
            key: sum(report["protected"][key] for report in reports)
            for key in ("served", "servable")
        },
        "fcfs": {
            key: sum(report["fcfs"][key] for report in reports)
            for key in ("served", "protected_served", "value")
        },
        "townships": sorted(
            (row for report in reports for row in report["townships"]), key=lambda row: row["code"]
        ),
    }
