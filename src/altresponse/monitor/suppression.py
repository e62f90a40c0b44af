"""Small-cell suppression of public tables, with complementary suppression and a recovery audit.

A two-way table is published with its row totals, column totals and grand total. Cells from 1 to
9 are hidden (primary suppression). Hiding them alone is not enough: a hidden cell that is the only
hidden one in its row can be recovered by subtracting the row's visible cells from its total, and
subtler patterns can be solved from several totals together. So more cells are hidden
(complementary suppression) until the audit — the bounds an attacker gets for each hidden cell by
linear programming over every published total, with counts non-negative — leaves no hidden cell
determined and no primary cell's possible range narrower than the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

THRESHOLD = 10


@dataclass(frozen=True)
class SuppressedTable:
    """A table ready to publish: None marks a hidden cell, in the body or in the margins."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None
    primary: frozenset[tuple[int, int]]
    threshold: int = THRESHOLD

    def hidden(self) -> set[tuple[int, int]]:
        return {(i, j) for i, r in enumerate(self.cells) for j, v in enumerate(r) if v is None}

    def to_records(self, row_name: str, col_name: str) -> list[dict[str, object]]:
        """Long form with totals: one record per cell, 'Total' rows and columns included."""
        out: list[dict[str, object]] = []
        for i, r in enumerate(self.rows):
            for j, c in enumerate(self.cols):
                out.append(
                    {
                        row_name: r,
                        col_name: c,
                        "count": self.cells[i][j],
                        "suppressed": self.cells[i][j] is None,
                    }
                )
            out.append(
                {
                    row_name: r,
                    col_name: "Total",
                    "count": self.row_totals[i],
                    "suppressed": self.row_totals[i] is None,
                }
            )
        for j, c in enumerate(self.cols):
            out.append(
                {
                    row_name: "Total",
                    col_name: c,
                    "count": self.col_totals[j],
                    "suppressed": self.col_totals[j] is None,
                }
            )
        out.append(
            {row_name: "Total", col_name: "Total", "count": self.total, "suppressed": self.total is None}
        )
        return out


def _full(values: np.ndarray) -> np.ndarray:
    """The table with a margin row and column appended (grand total in the corner)."""
    r, c = values.shape
    full = np.zeros((r + 1, c + 1), dtype=np.int64)
    full[:r, :c] = values
    full[:r, c] = values.sum(axis=1)
    full[r, :c] = values.sum(axis=0)
    full[r, c] = values.sum()
    return full


def attack_bounds(full: np.ndarray, hidden: np.ndarray) -> dict[tuple[int, int], tuple[float, float]]:
    """What an attacker learns: min and max of each hidden cell of a (R+1)x(C+1) table with margins.

    Constraints: every row of the full table sums to its margin and every column to its margin
    (the grand total too), every cell is non-negative; the visible cells are known.
    """
    r1, c1 = full.shape
    unknown = [(i, j) for i in range(r1) for j in range(c1) if hidden[i, j]]
    if not unknown:
        return {}
    index = {cell: k for k, cell in enumerate(unknown)}
    a_rows: list[np.ndarray] = []
    b_rows: list[float] = []
    # body row i: sum_j x[i,j] - x[i,C] = 0 ; body col j: sum_i x[i,j] - x[R,j] = 0 (incl. margins)
    for i in range(r1):
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for j in range(c1):
            sign = -1.0 if j == c1 - 1 else 1.0
            if hidden[i, j]:
                coef[index[(i, j)]] += sign
            else:
                rhs -= sign * full[i, j]
        if coef.any():
            a_rows.append(coef)
            b_rows.append(rhs)
    for j in range(c1):
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for i in range(r1):
            sign = -1.0 if i == r1 - 1 else 1.0
            if hidden[i, j]:
                coef[index[(i, j)]] += sign
            else:
                rhs -= sign * full[i, j]
        if coef.any():
            a_rows.append(coef)
            b_rows.append(rhs)
    a_eq = np.array(a_rows) if a_rows else None
    b_eq = np.array(b_rows) if b_rows else None
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for cell, k in index.items():
        c = np.zeros(len(unknown))
        c[k] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        low = float(lo.fun) if lo.status == 0 else 0.0
        high = float(-hi.fun) if hi.status == 0 else float("inf")  # unbounded: fully protected
        out[cell] = (low, high)
    return out


def _exposed(
    full: np.ndarray, hidden: np.ndarray, primary: set[tuple[int, int]], threshold: int
) -> list[tuple[int, int]]:
    """Hidden cells the attacker pins down, or primary cells whose range is narrower than `threshold`."""
    bad = []
    for cell, (low, high) in attack_bounds(full, hidden).items():
        width = high - low
        if width < 0.5 or (cell in primary and width < threshold):
            bad.append(cell)
    return bad


def suppress_table(
    rows: Sequence[str],
    cols: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    threshold: int = THRESHOLD,
) -> SuppressedTable:
    """Hide cells 1..threshold-1 and enough other cells that none of them can be worked back out.

    Zero cells are published (a zero is not a person). Complementary cells are chosen smallest
    first in the row or column that exposes a hidden cell, so as little as possible is lost; the
    margins themselves are hidden when a line has nothing else left to hide.
    """
    rows, cols = tuple(rows), tuple(cols)
    values = np.array([[int(counts.get((r, c), 0)) for c in cols] for r in rows], dtype=np.int64).reshape(
        len(rows), len(cols)
    )
    if (values < 0).any():
        raise ValueError("counts must be non-negative")
    full = _full(values)
    r1, c1 = full.shape
    hidden = (full > 0) & (full < threshold)
    primary = {(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)}

    def lines_of(cell: tuple[int, int]) -> list[list[tuple[int, int]]]:
        i, j = cell
        return [[(i, jj) for jj in range(c1)], [(ii, j) for ii in range(r1)]]

    for _ in range(r1 * c1):
        # cheap pass first: no line may hold exactly one hidden cell
        changed = True
        while changed:
            changed = False
            for i in range(r1):
                line = [(i, j) for j in range(c1)]
                if sum(hidden[x] for x in line) == 1:
                    _hide_one(full, hidden, line)
                    changed = True
            for j in range(c1):
                line = [(i, j) for i in range(r1)]
                if sum(hidden[x] for x in line) == 1:
                    _hide_one(full, hidden, line)
                    changed = True
        exposed = _exposed(full, hidden, primary, threshold)
        if not exposed:
            break
        progressed = False
        for cell in exposed:
            for line in lines_of(cell):
                if _hide_one(full, hidden, line):
                    progressed = True
                    break
        if not progressed:  # pragma: no cover - every line fully hidden already
            break
    body = tuple(
        tuple(None if hidden[i, j] else int(full[i, j]) for j in range(len(cols))) for i in range(len(rows))
    )
    return SuppressedTable(
        rows=rows,
        cols=cols,
        cells=body,
        row_totals=tuple(None if hidden[i, c1 - 1] else int(full[i, c1 - 1]) for i in range(len(rows))),
        col_totals=tuple(None if hidden[r1 - 1, j] else int(full[r1 - 1, j]) for j in range(len(cols))),
        total=None if hidden[r1 - 1, c1 - 1] else int(full[r1 - 1, c1 - 1]),
        primary=frozenset(primary),
        threshold=threshold,
    )


def _hide_one(full: np.ndarray, hidden: np.ndarray, line: list[tuple[int, int]]) -> bool:
    """Hide the smallest visible non-zero body cell of the line, else its smallest visible margin."""
    r1, c1 = full.shape
    body = [x for x in line if not hidden[x] and full[x] > 0 and x[0] < r1 - 1 and x[1] < c1 - 1]
    margin = [x for x in line if not hidden[x] and full[x] > 0 and (x[0] == r1 - 1 or x[1] == c1 - 1)]
    pick = (
        min(body, key=lambda x: full[x]) if body else (min(margin, key=lambda x: full[x]) if margin else None)
    )
    if pick is None:
        zero = [x for x in line if not hidden[x]]
        if not zero:
            return False
        pick = zero[0]
    hidden[pick] = True
    return True


def recover(table: SuppressedTable) -> dict[tuple[int, int], tuple[float, float]]:
    """The attacker's bounds on each hidden cell of a published table (margins at index R / C)."""
    r, c = len(table.rows), len(table.cols)
    full = np.zeros((r + 1, c + 1), dtype=np.int64)
    hidden = np.zeros((r + 1, c + 1), dtype=bool)
    for i in range(r + 1):
        for j in range(c + 1):
            if i < r and j < c:
                v = table.cells[i][j]
            elif i < r:
                v = table.row_totals[i]
            elif j < c:
                v = table.col_totals[j]
            else:
                v = table.total
            if v is None:
                hidden[i, j] = True
            else:
                full[i, j] = v
    return attack_bounds(full, hidden)


def suppress_list(
    cells: Sequence[Mapping[str, object]], key: str = "count", threshold: int = THRESHOLD
) -> list[dict[str, object]]:
    """One-way table with a published total: hide small cells and, if needed, the next smallest."""
    labels = [str(i) for i in range(len(cells))]
    counts = {(lab, "n"): int(c[key] or 0) for lab, c in zip(labels, cells, strict=True)}  # type: ignore[call-overload]
    table = suppress_table(labels, ["n"], counts, threshold)
    return [
        dict(c, **{key: table.cells[i][0], "suppressed": table.cells[i][0] is None})
        for i, c in enumerate(cells)
    ]


# ---------------------------------------------------------------- tables published together
Cell = tuple[str, int, int]  # (table name, row, column) in the table with margins (R / C = total)
Link = tuple[tuple[Cell, ...], tuple[Cell, ...]]  # sum of the first cells equals sum of the second


def _full_and_hidden(t: SuppressedTable, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r, c = len(t.rows), len(t.cols)
    hidden = np.zeros((r + 1, c + 1), dtype=bool)
    for i in range(r):
        for j in range(c):
            hidden[i, j] = t.cells[i][j] is None
        hidden[i, c] = t.row_totals[i] is None
    for j in range(c):
        hidden[r, j] = t.col_totals[j] is None
    hidden[r, c] = t.total is None
    return true, hidden


def joint_attack_bounds(
    fulls: Mapping[str, np.ndarray], hiddens: Mapping[str, np.ndarray], links: Sequence[Link]
) -> dict[Cell, tuple[float, float]]:
    """The attacker's bounds on every hidden cell when several tables are published together and
    some of their figures are known to be equal (the same quarter's total in two tables)."""
    unknown = [(n, int(i), int(j)) for n, h in hiddens.items() for i, j in zip(*np.nonzero(h), strict=True)]
    if not unknown:
        return {}
    index = {cell: k for k, cell in enumerate(unknown)}
    rows_a: list[np.ndarray] = []
    rows_b: list[float] = []

    def add(terms: list[tuple[Cell, float]]) -> None:
        coef = np.zeros(len(unknown))
        rhs = 0.0
        for cell, sign in terms:
            if cell in index:
                coef[index[cell]] += sign
            else:
                rhs -= sign * float(fulls[cell[0]][cell[1], cell[2]])
        if coef.any():
            rows_a.append(coef)
            rows_b.append(rhs)

    for n, full in fulls.items():
        r1, c1 = full.shape
        for i in range(r1):
            add([((n, i, j), -1.0 if j == c1 - 1 else 1.0) for j in range(c1)])
        for j in range(c1):
            add([((n, i, j), -1.0 if i == r1 - 1 else 1.0) for i in range(r1)])
    for left, right in links:
        add([(c, 1.0) for c in left] + [(c, -1.0) for c in right])
    a_eq, b_eq = np.array(rows_a), np.array(rows_b)
    out: dict[Cell, tuple[float, float]] = {}
    for cell, k in index.items():
        c = np.zeros(len(unknown))
        c[k] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        out[cell] = (
            float(lo.fun) if lo.status == 0 else 0.0,
            float(-hi.fun) if hi.status == 0 else float("inf"),
        )
    return out


def suppress_together(
    counts: Mapping[str, tuple[Sequence[str], Sequence[str], Mapping[tuple[str, str], int]]],
    links: Sequence[Link],
    threshold: int = THRESHOLD,
) -> dict[str, SuppressedTable]:
    """Suppress each table, then hide more cells until the tables *together* give nothing back."""
    tables = {n: suppress_table(r, c, cnt, threshold) for n, (r, c, cnt) in counts.items()}
    fulls = {
        n: _full(
            np.array([[int(cnt.get((a, b), 0)) for b in c] for a in r], dtype=np.int64).reshape(
                len(r), len(c)
            )
        )
        for n, (r, c, cnt) in counts.items()
    }
    hiddens = {n: _full_and_hidden(t, fulls[n])[1] for n, t in tables.items()}
    primary = {(n, i, j) for n, t in tables.items() for i, j in t.primary}
    for _ in range(sum(h.size for h in hiddens.values())):
        bad = [
            cell
            for cell, (low, high) in joint_attack_bounds(fulls, hiddens, links).items()
            if high - low < 0.5 or (cell in primary and high - low < threshold)
        ]
        if not bad:
            break
        for n, i, j in bad:
            full, hidden = fulls[n], hiddens[n]
            r1, c1 = full.shape
            for line in ([(i, jj) for jj in range(c1)], [(ii, j) for ii in range(r1)]):
                if _hide_one(full, hidden, line):
                    break
            # A cell can also be worked out through a figure another table publishes: hide the single
            # figure of a link that touches this column (a subtotal before a shared grand figure).
            touching = [lr for lr in links if any(c[0] == n and c[2] == j for c in lr[0] + lr[1])]

            def own_is_margin(lr: Link, n: str = n) -> bool:
                own = [c for c in lr[0] + lr[1] if c[0] == n]
                return all(c[1] == fulls[n].shape[0] - 1 for c in own)

            for left, right in sorted(touching, key=own_is_margin):  # links through a body cell first
                other = [side[0] for side in (left, right) if len(side) == 1 and side[0][0] != n]
                single = other + [side[0] for side in (left, right) if len(side) == 1 and side[0][0] == n]
                visible = [c for c in single if not hiddens[c[0]][c[1], c[2]]]
                if visible:
                    hiddens[visible[0][0]][visible[0][1], visible[0][2]] = True
                    break
        for left, right in links:  # one figure published twice is hidden in both places or neither
            if len(left) == 1 and len(right) == 1:
                (a,), (b,) = left, right
                if hiddens[a[0]][a[1], a[2]] or hiddens[b[0]][b[1], b[2]]:
                    hiddens[a[0]][a[1], a[2]] = hiddens[b[0]][b[1], b[2]] = True
    out = {}
    for n, t in tables.items():
        full, hidden = fulls[n], hiddens[n]
        r, c = len(t.rows), len(t.cols)
        out[n] = SuppressedTable(
            t.rows,
            t.cols,
            tuple(tuple(None if hidden[i, j] else int(full[i, j]) for j in range(c)) for i in range(r)),
            tuple(None if hidden[i, c] else int(full[i, c]) for i in range(r)),
            tuple(None if hidden[r, j] else int(full[r, j]) for j in range(c)),
            None if hidden[r, c] else int(full[r, c]),
            t.primary,
            threshold,
        )
    return out
