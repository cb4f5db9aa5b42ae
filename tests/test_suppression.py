"""Small counts never reach a public surface, and no hidden count can be worked out from the
published ones: checked on hand-made reports and on hundreds of random tables against a solver
written here (not suppression.recoverable)."""

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from scipy.optimize import linprog

from tracker.indicators.suppression import (
    Cell,
    closed,
    equations,
    pinned_to_zero,
    primary,
    recoverable,
    suppressed,
)

SEX = ["F", "M", "_O"]
AGE = ["Y0T11", "Y12T17", "Y18T29", "Y30T59", "Y_GE60", "_U"]


def one_way(parts: dict[str, int]) -> dict[Cell, Decimal]:
    """A report by one dimension: each part and the total, consistent."""
    cells: dict[Cell, Decimal] = {(code, None): Decimal(value) for code, value in parts.items()}
    cells[(None, None)] = Decimal(sum(parts.values()))
    return cells


def cross(rows: list[str], columns: list[str], inner: list[list[int]]) -> dict[Cell, Decimal]:
    """A report by a cross of two dimensions: inner cells, both margins and the total."""
    cells: dict[Cell, Decimal] = {}
    for row, values in zip(rows, inner, strict=True):
        cells.update({(row, column): Decimal(v) for column, v in zip(columns, values, strict=True)})
        cells[(row, None)] = Decimal(sum(values))
    for j, column in enumerate(columns):
        cells[(None, column)] = Decimal(sum(values[j] for values in inner))
    cells[(None, None)] = Decimal(sum(map(sum, inner)))
    return cells


def sums_of(rows: list[str], columns: list[str]) -> list[list[Cell]]:
    """The sums of a complete consistent table, from its shape ([total, parts...])."""
    if not columns:
        return [[(None, None), *((row, None) for row in rows)]]
    return ([[(row, None), *((row, column) for column in columns)] for row in rows]
            + [[(None, column), *((row, column) for row in rows)] for column in columns]
            + [[(None, None), *((row, None) for row in rows)],
               [(None, None), *((None, column) for column in columns)]])


def rank(rows: list[list[Fraction]]) -> int:
    """The rank of a matrix, by forward elimination over the rationals."""
    matrix = [row[:] for row in rows]
    found = 0
    width = len(matrix[0]) if matrix else 0
    for col in range(width):
        pivot = next((r for r in range(found, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for r in range(found + 1, len(matrix)):
            ratio = matrix[r][col] / matrix[found][col]
            matrix[r] = [a - ratio * b for a, b in zip(matrix[r], matrix[found], strict=True)]
        found += 1
    return found


def worked_out(sums: list[list[Cell]], hidden: frozenset[Cell]) -> set[Cell]:
    """The hidden cells a reader can solve for: x_h is determined by the sums (published cells
    moved to the right-hand side) iff adding the row e_h leaves the rank unchanged."""
    unknowns = sorted(hidden, key=repr)
    matrix = []
    for total, *parts in sums:
        matrix.append([Fraction((cell == total) - (cell in parts)) for cell in unknowns])
    solved = set()
    for index, cell in enumerate(unknowns):
        unit = [Fraction(int(i == index)) for i in range(len(unknowns))]
        if rank([*matrix, unit]) == rank(matrix):
            solved.add(cell)
    return solved


def zeros_given_away(cells, sums, hidden) -> set[Cell]:
    """Hidden parts a reader knows are zero: a published total minus its published parts is 0."""
    found: set[Cell] = set()
    for total, *parts in sums:
        hidden_parts = [part for part in parts if part in hidden]
        if total not in hidden and hidden_parts and sum(cells[p] for p in hidden_parts) == 0:
            found.update(hidden_parts)
    return found


def assert_safe(cells, sums, hidden, threshold=5):
    """Every published count is at least the threshold and no hidden one can be worked out."""
    assert all(value >= threshold for cell, value in cells.items() if cell not in hidden)
    assert worked_out(sums, hidden) == set()
    assert zeros_given_away(cells, sums, hidden) == set()


def test_primary_hides_small_counts_zeros_and_totals_below_the_threshold():
    cells = one_way({"F": 3, "M": 0, "_O": 6})
    assert primary(cells) == {("F", None), ("M", None)}
    assert primary(cells, threshold=10) == {("F", None), ("M", None), ("_O", None), (None, None)}


def test_one_small_cell_hides_the_smallest_other_sibling_too():
    cells = one_way({"F": 18, "M": 9, "_O": 3})
    assert recoverable(cells, {("_O", None)}) == {("_O", None)}  # 30 - 18 - 9
    hidden = suppressed(cells)
    assert hidden == {("_O", None), ("M", None)}
    assert recoverable(cells, hidden) == set()
    assert_safe(cells, sums_of(SEX, []), hidden)


def test_a_small_total_is_hidden_and_cannot_be_recovered():
    cells = one_way({"F": 1, "M": 3})
    assert suppressed(cells) == set(cells)
    # A row total of 3 in a cross: the grand total and the other rows would give it away.
    table = cross(SEX, AGE[:3], [[1, 2, 0], [14, 22, 9], [7, 6, 11]])
    hidden = suppressed(table)
    assert ("F", None) in hidden and ("F", None) in recoverable(table, primary(table))
    assert len(hidden) > len(primary(table))
    assert_safe(table, sums_of(SEX, AGE[:3]), hidden)


def test_parts_that_do_not_add_up_publish_the_total_alone():
    """An explained difference is a number too: 30 - 18 - 9 - 2 = 1 person the note speaks of."""
    cells = one_way({"F": 18, "M": 9, "_O": 2})
    cells[(None, None)] = Decimal(30)  # one person of unknown sex, explained in the note
    assert equations(cells) == [] and not closed(cells)
    assert suppressed(cells) == {("F", None), ("M", None), ("_O", None)}


def test_a_small_inner_cell_of_a_cross_hides_a_rectangle():
    table = cross(SEX, AGE[:4], [[12, 20, 31, 40], [15, 22, 28, 35], [2, 9, 14, 18]])
    hidden = suppressed(table)
    # The 2, the smallest in its row (9) and the smallest in its column (12), and the corner
    # that then gives itself away: a row and a column each keep two hidden cells.
    assert hidden == {("_O", "Y0T11"), ("_O", "Y12T17"), ("F", "Y0T11"), ("F", "Y12T17")}
    assert recoverable(table, hidden) == set()
    assert_safe(table, sums_of(SEX, AGE[:4]), hidden)


def test_hidden_zeros_beside_a_total_equal_to_the_rest_are_protected():
    cells = one_way({"F": 7, "M": 0, "_O": 0})
    # 7 = 7 + M + _O says M = _O = 0 to anyone who knows counts are not negative.
    assert recoverable(cells, primary(cells)) == set()
    assert pinned_to_zero(cells, primary(cells)) == {("M", None), ("_O", None)}
    hidden = suppressed(cells)
    assert hidden == {("F", None), ("M", None), ("_O", None)}
    assert_safe(cells, sums_of(SEX, []), hidden)


@pytest.mark.parametrize("cells", [
    {}, one_way({"F": 18, "M": 9, "_O": 7}),
    cross(SEX, AGE[:2], [[5, 6], [7, 8], [9, 10]])])
def test_nothing_small_nothing_hidden(cells):
    assert suppressed(cells) == frozenset()


def test_a_value_left_out_is_the_total_minus_the_others():
    # 30 - 18 - 9 = 3 of the sex left out: the parts go, the total stays.
    cells = one_way({"F": 18, "M": 9, "_O": 3})
    del cells[("_O", None)]
    assert not closed(cells) and suppressed(cells) == {("F", None), ("M", None)}
    # Left out but adding up (nothing of that sex), the line is a sum like any other.
    cells = one_way({"F": 18, "M": 12})
    assert closed(cells) and suppressed(cells) == frozenset()


def test_a_margin_left_out_is_the_sum_of_its_inner_cells():
    table = cross(SEX[:2], AGE[:2], [[2, 10], [10, 10]])
    del table[("F", None)], table[("M", None)], table[(None, "Y0T11")], table[(None, "Y12T17")]
    assert not closed(table)  # 32 - 30 would give the 2 away
    assert suppressed(table) == set(table) - {(None, None)}
    table = cross(SEX[:2], AGE[:2], [[6, 6], [3, 15]])
    del table[("M", None)]  # 30 - 12 - 15 = 3 men aged 0-11
    assert not closed(table) and ("M", "Y0T11") in suppressed(table)


def random_count(rng: random.Random) -> int:
    """A count from 0 to 40, small ones often (every other one below 8)."""
    return rng.randint(0, 7) if rng.random() < 0.5 else rng.randint(0, 40)


def test_random_tables_publish_nothing_small_and_nothing_recoverable():
    rng = random.Random(20250617)
    hidden_beyond_primary = 0
    for case in range(300):
        if case % 2:
            rows = [f"R{i}" for i in range(rng.randint(2, 5))]
            columns = [f"C{j}" for j in range(rng.randint(2, 6))]
            cells = cross(rows, columns, [[random_count(rng) for _ in columns] for _ in rows])
        else:
            rows, columns = [f"R{i}" for i in range(rng.randint(2, 6))], []
            cells = one_way({row: random_count(rng) for row in rows})
        hidden = suppressed(cells)
        assert primary(cells) <= hidden, case
        assert_safe(cells, sums_of(rows, columns), hidden)
        hidden_beyond_primary += len(hidden - primary(cells))
    assert hidden_beyond_primary > 100  # secondary suppression really was exercised


# -- bounds and corrections, checked by a linear program written here -----------------------

def stated_sums(cells) -> list[list[Cell]]:
    """[total, parts...] of each total the report states whose parts stated beside it add up
    to it (a part left out is then nothing)."""
    firsts = sorted({first for first, _ in cells if first is not None})
    seconds = sorted({second for _, second in cells if second is not None})
    found = [[(None, b), *((a, b) for a in firsts if (a, b) in cells)] for b in (None, *seconds)]
    found += [[(a, None), *((a, b) for b in seconds if (a, b) in cells)] for a in (None, *firsts)]
    return [group for group in found if group[0] in cells and len(group) > 1
            and cells[group[0]] == sum(cells[part] for part in group[1:])]


def old_sums(earlier, hidden_earlier, cells) -> list[tuple[list[Cell], Decimal]]:
    """What a reader of an earlier version knows still holds: each total it published whose
    parts are unchanged here adds up to the same number (derived here, not by the module)."""
    return [(parts, earlier[total]) for total, *parts in stated_sums(earlier)
            if total not in hidden_earlier and all(cells.get(p) == earlier[p] for p in parts)]


def widths(cells, hidden, known=frozenset(), sums=()) -> dict[Cell, float]:
    """Each hidden, unknown cell's greatest minus least value given the published and known
    cells, the sums (the report's and ``sums``, (parts, number) known from earlier versions)
    and counts >= 0 (scipy's HiGHS, not suppression's own audit): one program over two copies
    of the unknowns, max x[cell] - y[cell]."""
    unknowns = sorted(set(hidden) - set(known), key=repr)
    index = {cell: i for i, cell in enumerate(unknowns)}
    matrix, rhs = [], []
    lines = [[(1, total), *((-1, part) for part in parts)] for total, *parts in stated_sums(cells)]
    lines += [[(-1, part) for part in parts] + [(1, float(number))] for parts, number in sums]
    for line in lines:
        row = [0.0] * len(unknowns)
        constant = 0.0
        for sign, cell in line:
            if isinstance(cell, float):  # a known sum's number
                constant -= sign * cell
            elif cell in index:
                row[index[cell]] += sign
            else:  # a number the reader holds
                constant -= sign * float(cells[cell])
        if any(row):
            matrix += [row + [0.0] * len(row), [0.0] * len(row) + row]
            rhs += [constant, constant]
    found = {}
    for cell, i in index.items():
        objective = [0.0] * (2 * len(unknowns))
        objective[i], objective[len(unknowns) + i] = -1, 1
        result = linprog(objective, A_eq=matrix or None, b_eq=rhs or None, bounds=(0, None),
                         method="highs")
        assert result.status in (0, 3), result.message
        found[cell] = -result.fun if result.status == 0 else float("inf")
    return found


def assert_bounded_safe(cells, hidden, known=frozenset(), threshold=5, sums=()):
    """Nothing small published; every hidden small count keeps a range as wide as the
    threshold, every other hidden cell (not known already) a range at least 1 wide."""
    assert all(value >= threshold for cell, value in cells.items()
               if cell not in hidden and cell not in known)
    if set(hidden) == set(cells):
        return  # nothing published: what is left (the shape, earlier versions) is not ours
    for cell, width in widths(cells, hidden, known, sums).items():
        assert width >= (threshold if cells[cell] < threshold else 1) - 1e-6, (cell, width)


def with_margins(inner: dict[Cell, int]) -> dict[Cell, Decimal]:
    """Inner cells of a cross (those left out are nothing) with every margin and the total."""
    cells: dict[Cell, Decimal] = {cell: Decimal(v) for cell, v in inner.items()}
    for first in sorted({a for a, _ in inner}):
        cells[(first, None)] = Decimal(sum(v for (a, _), v in inner.items() if a == first))
    for second in sorted({b for _, b in inner}):
        cells[(None, second)] = Decimal(sum(v for (_, b), v in inner.items() if b == second))
    cells[(None, None)] = Decimal(sum(inner.values()))
    return cells


def test_bounds_pin_no_hidden_cell():
    """The outside tester's table: 38 = M x 30-59 + O x 30-59, each at most its row (30, 8),
    pins both, then every other M and O cell to 0 and F x 12-17 to 3."""
    cells = with_margins({("F", "Y12T17"): 3, ("F", "Y18T29"): 8, ("M", "Y0T11"): 0,
                          ("M", "Y18T29"): 0, ("M", "Y30T59"): 30, ("_O", "Y0T11"): 0,
                          ("_O", "Y30T59"): 8})
    shown = {(None, None), (None, "Y18T29"), (None, "Y30T59"), ("F", None), ("M", None),
             ("_O", None)}
    # Exact elimination finds nothing in what was once published; the bounds pin all 9.
    attacked = frozenset(cells) - shown
    assert recoverable(cells, attacked) == set() and pinned_to_zero(cells, attacked) == set()
    assert len(widths(cells, attacked)) == 9
    assert all(width < 1e-6 for width in widths(cells, attacked).values())
    hidden = suppressed(cells)
    assert hidden != attacked and primary(cells) <= hidden
    assert_bounded_safe(cells, hidden)


def test_a_correction_is_suppressed_beside_what_it_replaces():
    """GTM 2025: every cell published first; the correction makes F x 12-17 a 3. Whoever kept
    the first CSV knows M x 12-17 (10, unchanged): 13 - 10 would give the 3 away."""
    first = with_margins({("F", "Y0T11"): 30, ("F", "Y12T17"): 8,
                          ("M", "Y0T11"): 22, ("M", "Y12T17"): 10})
    assert suppressed(first) == frozenset()
    second = with_margins({("F", "Y0T11"): 30, ("F", "Y12T17"): 3,
                           ("M", "Y0T11"): 22, ("M", "Y12T17"): 10})
    alone = suppressed(second)  # audited alone, the leak the tester found
    assert (None, "Y12T17") not in alone and ("M", "Y12T17") in alone
    known = {cell for cell, value in first.items() if second.get(cell) == value}
    hidden = suppressed(second, known=known)
    # Every cell that changed goes: each of them minus known ones is the 3.
    assert hidden == {("F", "Y12T17"), ("F", None), (None, "Y12T17"), (None, None)}
    assert_bounded_safe(second, hidden, known)
    # Known cells beside a total give the small one away: the total goes, and only what
    # readers hold already is shown.
    total_only = one_way({"F": 18, "M": 9, "_O": 3})
    known = {("F", None), ("M", None)}
    assert suppressed(total_only, known=known) == {("_O", None), (None, None)}


def test_a_correction_of_a_correction_keeps_the_sums_its_predecessors_published():
    """SLV 2014 (an outside tester), five versions; the last only adds _O x 0-11 = 8. The one
    before published a total of 18 over cells the last keeps unchanged: that sum still holds,
    and beside the last one's published cells it pinned four of them, a 1 and a 3 among them."""
    versions = [{("F", "Y0T11"): 1, ("F", "Y12T17"): 8, ("M", "Y0T11"): 6, ("M", "Y18T29"): 0,
                 ("_O", "Y12T17"): 15},
                {("F", "Y0T11"): 1, ("F", "Y12T17"): 8, ("M", "Y0T11"): 6, ("M", "Y18T29"): 0,
                 ("_O", "Y12T17"): 3},
                {("F", "Y0T11"): 1, ("F", "Y12T17"): 8, ("M", "Y18T29"): 0, ("_O", "Y12T17"): 3},
                {("F", "Y0T11"): 1, ("F", "Y12T17"): 8, ("M", "Y18T29"): 6, ("_O", "Y12T17"): 3},
                {("F", "Y0T11"): 1, ("F", "Y12T17"): 8, ("M", "Y18T29"): 6, ("_O", "Y0T11"): 8,
                 ("_O", "Y12T17"): 3}]
    published: list[tuple[dict, frozenset]] = []
    for inner in versions:
        cells = with_margins(inner)
        known = {cell for earlier, hidden in published for cell, value in earlier.items()
                 if cell not in hidden and cells.get(cell) == value}
        sums = [found for earlier, hidden in published
                for found in old_sums(earlier, hidden, cells)]
        hidden = suppressed(cells, known=known, known_sums=sums)
        assert_bounded_safe(cells, hidden, known, sums=sums)
        published.append((cells, hidden))


def random_cross(rng: random.Random) -> dict[Cell, int]:
    """Inner cells of sex x 2 to 6 age groups, some left out (nothing of that kind)."""
    ages = AGE[:rng.randint(2, 6)]
    return {(sex, age): random_count(rng) for sex in SEX for age in ages
            if rng.random() > 0.15}


def test_random_tables_and_corrections_leave_every_hidden_cell_a_range():
    rng = random.Random(20261203)
    corrections = narrowed_alone = 0
    for case in range(250):
        inner = random_cross(rng)
        cells = with_margins(inner)
        if rng.random() < 0.1:  # a margin left out: not closed, the total alone is shown
            del cells[rng.choice([cell for cell in cells if cell != (None, None)])]
        hidden = suppressed(cells)
        assert primary(cells) <= hidden, case
        assert_bounded_safe(cells, hidden)
        if rng.random() < 0.4:
            continue
        corrections += 1
        changed = dict(inner)
        for cell in rng.sample(sorted(inner), k=min(len(inner), rng.randint(1, 3))):
            changed[cell] = random_count(rng)
        if rng.random() < 0.3:  # a cell added, as a correction of a correction often does
            changed[rng.choice(SEX), rng.choice(AGE)] = random_count(rng)
        correction = with_margins(changed)
        known = {cell for cell, value in cells.items()
                 if cell not in hidden and correction.get(cell) == value}
        sums = old_sums(cells, hidden, correction)
        corrected = suppressed(correction, known=known, known_sums=sums)
        assert primary(correction) - known <= corrected, case
        assert_bounded_safe(correction, corrected, known, sums=sums)
        alone = suppressed(correction)
        narrowed_alone += any(width < 1 for width in widths(correction, alone, known).values())
    assert corrections > 120 and narrowed_alone > 10  # corrections audited alone would leak
