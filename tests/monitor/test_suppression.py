"""Suppression leaves no recoverable cell: an attack from row and column totals recovers nothing."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from altresponse.monitor.suppression import THRESHOLD, recover, suppress_list, suppress_table


def published(table: object) -> list[int | None]:
    t = table  # type: ignore[assignment]
    return [*(v for row in t.cells for v in row), *t.row_totals, *t.col_totals, t.total]  # type: ignore[attr-defined]


def naive_attack(table: object) -> dict[tuple[int, int], int]:
    """What subtraction alone gives: any line with one hidden cell and a visible total."""
    t = table  # type: ignore[assignment]
    r, c = len(t.rows), len(t.cols)  # type: ignore[attr-defined]
    grid = [[*row, t.row_totals[i]] for i, row in enumerate(t.cells)]  # type: ignore[attr-defined]
    grid.append([*t.col_totals, t.total])  # type: ignore[attr-defined]
    found: dict[tuple[int, int], int] = {}
    changed = True
    while changed:
        changed = False
        for i in range(r + 1):
            line = grid[i]
            hidden = [j for j in range(c + 1) if line[j] is None]
            if len(hidden) == 1:
                j = hidden[0]
                val = line[c] - sum(line[:c][k] for k in range(c) if k != j) if j < c else sum(line[:c])
                grid[i][j] = val
                found[(i, j)] = val
                changed = True
        for j in range(c + 1):
            col = [grid[i][j] for i in range(r + 1)]
            hidden = [i for i in range(r + 1) if col[i] is None]
            if len(hidden) == 1:
                i = hidden[0]
                val = col[r] - sum(col[k] for k in range(r) if k != i) if i < r else sum(col[:r])
                grid[i][j] = val
                found[(i, j)] = val
                changed = True
    return found


def test_single_small_cell_gets_a_complement_in_row_and_column() -> None:
    rows, cols = ["n1", "n2", "n3"], ["q1", "q2", "q3"]
    counts = {(r, c): 50 for r in rows for c in cols}
    counts[("n2", "q2")] = 4
    t = suppress_table(rows, cols, counts)
    assert t.cells[1][1] is None
    assert len(t.hidden()) >= 4  # the small cell plus complements in its row, column and the corner
    assert not naive_attack(t)
    for low, high in recover(t).values():
        assert high - low >= THRESHOLD


def test_no_published_value_is_small() -> None:
    rng = np.random.default_rng(7)
    for trial in range(25):
        r, c = rng.integers(2, 6), rng.integers(2, 5)
        rows, cols = [f"r{i}" for i in range(r)], [f"c{j}" for j in range(c)]
        counts = {(a, b): int(rng.choice([0, 1, 3, 8, 9, 10, 12, 25, 60])) for a in rows for b in cols}
        t = suppress_table(rows, cols, counts)
        for v in published(t):
            assert v is None or v == 0 or v >= THRESHOLD, (trial, v)
        # the attacker, with every published total and non-negativity, pins down no hidden cell,
        # and the range of every small cell is at least the threshold wide
        for cell, (low, high) in recover(t).items():
            assert high - low >= 0.5, (trial, cell, low, high)
            i, j = cell
            if (i, j) in t.primary:
                assert high - low >= THRESHOLD, (trial, cell, low, high)
        assert not naive_attack(t)


def test_attack_does_find_a_cell_when_only_primary_is_hidden() -> None:
    """The audit is not toothless: hiding the small cell alone is recovered."""
    from altresponse.monitor.suppression import attack_bounds

    full = np.array([[50, 4, 54], [30, 30, 60], [80, 34, 114]])
    hidden = np.zeros_like(full, dtype=bool)
    hidden[0, 1] = True
    ((low, high),) = attack_bounds(full, hidden).values()
    assert low == pytest.approx(4) and high == pytest.approx(4)


def test_all_large_publishes_everything() -> None:
    rows, cols = ["a", "b"], ["x", "y"]
    t = suppress_table(rows, cols, {k: 20 for k in itertools.product(rows, cols)})
    assert not t.hidden() and t.total == 80


def test_one_way_list() -> None:
    out = suppress_list(
        [{"k": "a", "count": 40}, {"k": "b", "count": 3}, {"k": "c", "count": 25}, {"k": "d", "count": 0}]
    )
    assert [c["count"] for c in out] == [40, None, None, 0]
    assert out[1]["suppressed"] and out[2]["suppressed"]
