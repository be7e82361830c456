"""The maximal covering location problem: lazy greedy with its bounds, the dual, and an exact MILP.

Given the coverage matrix ``A`` (candidates × uncovered demand points) and point weights ``w``, choose
``k`` candidates maximising the weight newly covered, ``f(S) = Σ w_i [i covered by some j ∈ S]``.

**Lazy greedy.** ``f`` is monotone submodular (a point counts once however many sites cover it), so
the greedy choice — each step the candidate with the largest marginal gain — reaches at least
``(1 − 1/e) ≈ 63.2 %`` of the optimum (Nemhauser, Wolsey & Fisher 1978).  Marginal gains only shrink
as sites are chosen, so stale gains kept in a max-heap are upper bounds: a candidate popped from
the heap is re-evaluated and chosen if it still beats the next one (Minoux 1978, "lazy greedy"),
which re-evaluates a handful of candidates per step instead of all of them.

**A bound on this instance.** For any set ``S`` and by submodularity,
``OPT_k ≤ f(S) + (sum of the k largest marginal gains with respect to S)`` — computed after the
greedy run, it bounds the optimum on *this* data, usually far tighter than ``1 − 1/e``.

**Dual.** The fewest sites reaching a target weight: greedy until the target is met, or exactly.

**Exact.** A mixed-integer programme solved with HiGHS through PuLP: binary ``x_j`` per candidate,
``0 ≤ y_c ≤ 1`` per class of points covered by the same candidates (points with identical columns
are merged, which shrinks real instances a lot), ``y_c ≤ Σ_{j covers c} x_j``; maximise
``Σ W_c y_c`` subject to ``Σ x_j ≤ k`` (or minimise ``Σ x_j`` subject to ``Σ W_c y_c ≥ target``).
"""

from __future__ import annotations

import contextlib
import heapq
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from zaitaku_map.errors import AnalysisError
from zaitaku_map.progress import CancelToken

GREEDY_GUARANTEE = 1.0 - 1.0 / np.e  # 0.632…


@dataclass
class GreedyResult:
    """Sites in the order chosen, with each one's marginal gain."""

    order: list[int]
    gains: list[float]
    evaluations: int  # marginal-gain evaluations (n_candidates at the start + lazy re-evaluations)
    upper_bound: float  # OPT_k ≤ this (instance bound after the run); inf when not computed
    covered: np.ndarray = field(repr=False)  # bool per point after the chosen sites

    @property
    def value(self) -> float:
        return float(sum(self.gains))


def _row_gain(a: sp.csr_matrix, j: int, w: np.ndarray, covered: np.ndarray) -> float:
    cols = a.indices[a.indptr[j] : a.indptr[j + 1]]
    return float(w[cols][~covered[cols]].sum())


def marginal_gains(a: sp.csr_matrix, w: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Marginal gain of every candidate given the points already covered."""
    return np.asarray(a @ np.where(covered, 0.0, w), dtype=np.float64).ravel()


def lazy_greedy(
    a: sp.csr_matrix,
    w: np.ndarray,
    k: int,
    *,
    target: float | None = None,
    cancel: CancelToken | None = None,
) -> GreedyResult:
    """Greedy maximal covering with lazy evaluation.

    Parameters
    ----------
    a:
        Coverage matrix (candidates × points), boolean CSR.
    w:
        Weight per point (≥ 0).
    k:
        Most sites to choose; the run stops earlier when no candidate gains anything.
    target:
        Stop as soon as the covered weight reaches it (the greedy dual).
    """
    a = sp.csr_matrix(a, dtype=bool)
    w = np.asarray(w, dtype=np.float64)
    covered = np.zeros(a.shape[1], dtype=bool)
    initial = marginal_gains(a, w, covered)
    heap = [(-g, j) for j, g in enumerate(initial.tolist()) if g > 0]
    heapq.heapify(heap)
    evaluations = a.shape[0]
    order: list[int] = []
    gains: list[float] = []
    total = 0.0
    while heap and len(order) < k and (target is None or total < target):
        if cancel is not None:
            cancel.raise_if_cancelled()
        _neg, j = heapq.heappop(heap)
        g = _row_gain(a, j, w, covered)
        evaluations += 1
        if g <= 0:
            continue
        if heap and g < -heap[0][0]:
            heapq.heappush(heap, (-g, j))  # stale: someone else may be better now
            continue
        order.append(j)
        gains.append(g)
        total += g
        covered[a.indices[a.indptr[j] : a.indptr[j + 1]]] = True
    rest = marginal_gains(a, w, covered)
    top = np.sort(rest)[::-1][: max(k, 0)]
    return GreedyResult(order, gains, evaluations, total + float(top.sum()), covered)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 (HiGHS prints its banner from C++, past ``msg=False``)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. a GUI without a console)
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass
class ExactResult:
    """Outcome of the MILP."""

    status: str  # optimal | time_limit | infeasible | …
    value: float  # objective of the best solution found (weight covered, or number of sites)
    chosen: list[int]
    bound: float | None  # best bound reported by the solver (== value when optimal)
    seconds: float
    variables: int
    point_classes: int


def point_classes(a: sp.csr_matrix, w: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge points covered by exactly the same candidates (and drop points nobody covers).

    Returns the reduced matrix (candidates × classes) and the weight of each class.
    """
    csc = sp.csc_matrix(a, dtype=bool)
    csc.sort_indices()
    groups: dict[bytes, int] = {}
    col_class = np.full(csc.shape[1], -1, dtype=np.int64)
    for c in range(csc.shape[1]):
        rows = csc.indices[csc.indptr[c] : csc.indptr[c + 1]]
        if len(rows) == 0 or w[c] <= 0:
            continue
        col_class[c] = groups.setdefault(rows.tobytes(), len(groups))
    keep = col_class >= 0
    weights = np.bincount(col_class[keep], weights=np.asarray(w, float)[keep], minlength=len(groups))
    sel = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=bool), (np.flatnonzero(keep), col_class[keep])),
        shape=(csc.shape[1], len(groups)),
    )
    reduced = sp.csr_matrix((sp.csr_matrix(a, dtype=np.float64) @ sel) > 0)
    return reduced, weights


def solve_exact(
    a: sp.csr_matrix,
    w: np.ndarray,
    *,
    k: int | None = None,
    target: float | None = None,
    time_limit: float = 120.0,
    warm: list[int] | None = None,
) -> ExactResult:
    """Solve the maximal covering problem (``k``) or its dual (``target``) exactly with HiGHS."""
    try:
        import pulp
    except ImportError as err:  # pragma: no cover - a dependency of the package
        raise AnalysisError("the exact solver needs the 'pulp' and 'highspy' packages") from err
    if (k is None) == (target is None):
        raise ValueError("give exactly one of k and target")
    t0 = time.perf_counter()
    reduced, cw = point_classes(a, w)
    cand = np.flatnonzero(np.diff(reduced.indptr) > 0)  # candidates that cover anything
    cover = sp.csc_matrix(reduced[cand])
    sense = pulp.LpMaximize if k is not None else pulp.LpMinimize
    prob = pulp.LpProblem("mclp", sense)
    x = [prob.add_variable(f"x{j}", cat="Binary") for j in range(len(cand))]
    y = [prob.add_variable(f"y{c}", lowBound=0, upBound=1) for c in range(cover.shape[1])]
    covered_weight = pulp.lpSum(float(cw[c]) * y[c] for c in range(len(y)))
    if k is not None:
        prob += covered_weight
        prob += pulp.lpSum(x) <= int(k)
    else:
        prob += pulp.lpSum(x)
        prob += covered_weight >= float(target or 0.0)
    for c in range(cover.shape[1]):
        rows = cover.indices[cover.indptr[c] : cover.indptr[c + 1]]
        prob += y[c] <= pulp.lpSum(x[r] for r in rows)
    if warm:
        pos = {int(j): i for i, j in enumerate(cand.tolist())}
        for j in warm:
            if int(j) in pos:
                x[pos[int(j)]].setInitialValue(1)
    solver = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=0.0, warmStart=bool(warm))
    with _quiet_stdout():
        prob.solve(solver)
    status = pulp.LpStatus.get(prob.status, str(prob.status)).lower()
    chosen = [int(cand[i]) for i, v in enumerate(x) if (v.value() or 0) > 0.5]
    value = float(pulp.value(prob.objective) or 0.0)
    bound = value if status == "optimal" else None
    if status == "optimal" and getattr(prob, "sol_status", 1) != 1:
        status = "time_limit"  # a feasible, not proven optimal, solution
        bound = None
    return ExactResult(
        status=status,
        value=value,
        chosen=chosen,
        bound=bound,
        seconds=time.perf_counter() - t0,
        variables=len(x) + len(y),
        point_classes=len(y),
    )
