"""Small-count suppression: which cells of an indicator report no public surface may show.

Why: these counts are people (child migrants assisted, victims of trafficking) per country and
period, broken down by sex or by sex x age group; in a small country a "2" beside a place and
a year can point at someone. So a count below the threshold is never published, and neither is
any count a reader could work out from the published ones (a total minus the other siblings, a
row crossing a column). The rule is for counts of people only: callers do not call it for
percentages, currency or days.

What a reader may assume is ``equations``: a total equals its parts, only where the report's
values really add up (a difference the report explains in a note is no equation). What a reader
can then work out is ``recoverable`` (exact linear algebra over the rationals) and
``pinned_to_zero`` (counts are never negative, so hidden parts that add up to nothing are all
zero): cheap, and they choose good cells to hide. Bounds go further (hidden parts adding up to
3 tell a reader each is at most 3; a margin of 38 made of cells at most 30 and 8 pins both),
so ``suppressed`` then solves a linear program per hidden cell over the sums, the published
cells and x >= 0 (its greatest minus its least value): a small count must keep a range at
least the threshold wide, any other hidden cell a range at least 1 wide (never pinned to one
value).

A correction is read beside the versions it replaces: the cells they published whose value is
unchanged (``known``) are numbers a reader holds, constants in every check; and a total they
published whose parts are all unchanged (``known_sums``) still adds them up, one more sum.

A report's cells map (code of the first dimension's value or None, the second's or None) to a
number; None is the total over that dimension, as in the models (tracker.models.indicator).
"""

from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

Cell = tuple[str | None, str | None]
Cells = Mapping[Cell, Decimal]
Equation = list[Cell]  # [total, part, part, ...]: the total is the sum of the parts

DEFAULT_THRESHOLD = 5
_SUM = "#sum"  # the first code of a known sum's number: no dimension value has a "#"


def primary(cells: Cells, threshold: Decimal | int = DEFAULT_THRESHOLD) -> set[Cell]:
    """The cells too small to publish: below the threshold, zeros and totals included."""
    # A zero discloses as much as a 1: "0 men" beside a total of 7 says all 7 are women.
    return {cell for cell, value in cells.items() if value < threshold}


def equations(cells: Cells) -> list[Equation]:
    """The sums a reader may assume: [total, parts...] for each line (a dimension's values at
    one value of the other, or at its total) whose total is present and whose present parts
    add up to it (a part not reported is then nothing; a line that does not add up states no
    sum, and makes the report not ``closed``)."""
    return [group for group in _lines(cells) if group[0] in cells and _adds_up(cells, group)]


def _lines(cells: Cells) -> list[Equation]:
    """[total, present parts...] of every line that has a part in the report."""
    firsts = sorted({first for first, _ in cells if first is not None})
    seconds = sorted({second for _, second in cells if second is not None})
    lines = [[(None, second), *((first, second) for first in firsts
                                 if (first, second) in cells)]
             for second in (None, *seconds)]
    lines += [[(first, None), *((first, second) for second in seconds
                                if (first, second) in cells)]
              for first in (None, *firsts)]
    return [line for line in lines if len(line) > 1]


def recoverable(cells: Cells, hidden: Iterable[Cell]) -> set[Cell]:
    """The hidden cells whose value follows exactly from the published cells and the sums."""
    return _recoverable(equations(cells), set(hidden) & cells.keys())


def pinned_to_zero(cells: Cells, hidden: Iterable[Cell]) -> set[Cell]:
    """The hidden parts a reader knows are zero: those of a sum whose published total equals
    its published parts (a count is never negative, so parts adding up to nothing are 0)."""
    return _pinned_to_zero(cells, equations(cells), set(hidden) & cells.keys())


def closed(cells: Cells) -> bool:
    """Whether every sum a reader may assume is stated by the report, so that ``equations``
    is all they know: its total; in a cross every margin; and every line (a dimension's
    values at one value of the other, or at its total) with a total that its parts add up to.
    Otherwise the cells alone do not show what can be worked out: a margin left out is the
    sum of its inner cells, and a difference explained in a note is a number too (the total
    minus the parts)."""
    if not cells:
        return True
    if (None, None) not in cells:
        return False
    firsts = {first for first, _ in cells if first is not None}
    seconds = {second for _, second in cells if second is not None}
    inner = any(first is not None and second is not None for first, second in cells)
    if inner and not (all((a, None) in cells for a in firsts)
                      and all((None, b) in cells for b in seconds)):
        return False
    return all(group[0] in cells and _adds_up(cells, group) for group in _lines(cells))


def suppressed(cells: Cells, threshold: Decimal | int = DEFAULT_THRESHOLD,
               known: Collection[Cell] = (),
               known_sums: Iterable[tuple[Collection[Cell], Decimal]] = ()) -> frozenset[Cell]:
    """The cells not to publish: the small ones (primary), then enough others that none of
    them can be worked out from what is shown (secondary suppression), nor narrowed by the
    bounds. ``known``: cells a reader already holds (an earlier version published them, with
    the same value), constants of every check; they are shown unless hidden here. A report
    that is not ``closed`` publishes its total alone (when it is not small itself): what it
    leaves out could otherwise be worked out.

    Greedy, not optimal: while a hidden cell can be worked out, it hides the smallest published
    cell of a sum that contains one (ties: a part before a total, then by codes), preferring
    the sums that give a cell away by themselves; then the same while the bounds narrow one.
    It may hide more than the fewest possible, even everything (when the known cells leave
    nothing else to hide). Safe: it stops only when ``recoverable``,
    ``pinned_to_zero`` and the bounds find nothing.

    ``known_sums``: (cells, number) a reader knows these cells add up to: an earlier version
    published a total whose parts this one keeps unchanged, so their sum is still that total
    even where this version hides it (or its own total differs, by a cell it added)."""
    known = set(known) & cells.keys()
    sums = equations(cells)
    every = dict(cells)
    for index, (parts, total) in enumerate(known_sums):
        if parts and all(part in cells for part in parts):
            # A number with no cell of its own: a constant of one more sum.
            every[_SUM, str(index)] = total
            sums.append([(_SUM, str(index)), *parts])
    known |= every.keys() - cells.keys()
    if not closed(cells):
        hidden = {cell for cell in cells if cell != (None, None) or cells[cell] < threshold}
    elif (found := _exactly_safe(every, primary(cells, threshold), known, sums)) is None:
        return frozenset(cells)
    else:
        hidden = found
    return frozenset(_bounded_safe(every, hidden, known, threshold, sums) & cells.keys())


def _exactly_safe(cells: Cells, hidden: set[Cell], known: set[Cell],
                  sums: list[Equation]) -> set[Cell] | None:
    """``hidden`` and enough other published cells that no unknown one is recoverable or
    pinned to zero; None when that takes every cell."""
    while exposed := _exposed(cells, sums, hidden - known):
        # First the sums that give a cell away on their own (one hidden cell, or hidden zeros):
        # a second hidden cell there mends them; the wider choice hides far more in a cross.
        shown = hidden | known
        candidates = _published_in(_leaking(cells, sums, hidden - known), shown)
        if not candidates:
            candidates = _published_in(_containing(sums, exposed), shown)
        if not candidates:
            # Worked out from sums that are all hidden already: another published cell of
            # any sum with a hidden cell breaks the chain; with none left, hide it all.
            candidates = _published_in(_containing(sums, hidden - known), shown)
        if not candidates:
            return None
        hidden.add(_smallest(cells, candidates))
    return hidden


def _exposed(cells: Cells, sums: list[Equation], unknown: set[Cell]) -> set[Cell]:
    return _recoverable(sums, unknown) | _pinned_to_zero(cells, sums, unknown)


def _bounded_safe(cells: Cells, hidden: set[Cell], known: set[Cell],
                  threshold: Decimal | int, lines: list[Equation]) -> frozenset[Cell]:
    """``hidden`` and enough other published cells that the bounds leave every small count a
    range as wide as the threshold and every other unknown cell a range of at least 1.

    A cell found wide enough stays so: hiding one more cell turns a constant into a variable,
    so every range only widens (the loop ends, and each cell is solved for about once)."""
    wide_enough: set[Cell] = set()
    while True:
        audit = _Audit(cells, hidden - known, lines)
        narrow = next((cell for cell in audit.unknowns if cell not in wide_enough
                       and not audit.wide_enough(cell, threshold, wide_enough)), None)
        if narrow is None:
            return frozenset(hidden)
        shown = hidden | known
        candidates = _published_in(_containing(lines, {narrow}), shown) \
            or _published_in(_containing(lines, hidden - known), shown)
        if not candidates:
            return frozenset(cells)
        hidden.add(_smallest(cells, candidates))


class _Audit:
    """The linear programs of one set of unknown cells: each line is a constraint, x >= 0.

    The constraint matrix of a table's margins (each inner cell in one row line and one column
    line, each margin in one line of margins) is totally unimodular and the values are whole,
    so every vertex is whole: the linear programs' bounds are those of whole counts."""

    def __init__(self, cells: Cells, unknown: Collection[Cell], lines: list[Equation]) -> None:
        # Imported when first needed: numpy and scipy cost about 70 MB in every process that
        # imports this module (web workers at start, the scheduler, each CLI command).
        import numpy as np

        self.cells = cells
        self.unknowns = sorted(unknown, key=_order)
        column = {cell: index for index, cell in enumerate(self.unknowns)}
        rows = []
        for total, *parts in lines:
            row = np.zeros(len(self.unknowns))
            for cell, sign in [(total, 1.0), *((part, -1.0) for part in parts)]:
                if cell in column:
                    row[column[cell]] += sign
            if row.any():
                rows.append(row)
        self.matrix = np.array(rows).reshape(len(rows), len(self.unknowns))
        values = np.array([float(cells[cell]) for cell in self.unknowns])
        # The constants moved to the right: what the unknowns' true values add up to.
        self.rhs = self.matrix @ values
        self.column = column

    def wide_enough(self, cell: Cell, threshold: Decimal | int, found: set[Cell]) -> bool:
        """Whether the cell's range is as wide as it must be (noted in ``found``)."""
        width = threshold if self.cells[cell] < threshold else 1
        if self.width_of(cell) >= float(width) - 1e-6:
            found.add(cell)
            return True
        return False

    def width_of(self, cell: Cell) -> float:
        """greatest - least of ``cell``, in one program over two copies x, y of the unknowns
        (max x[cell] - y[cell]) rather than two (max, then min)."""
        import numpy as np
        from scipy.optimize import linprog

        index = self.column[cell]
        if not self.matrix[:, index].any():
            return float("inf")
        size = len(self.unknowns)
        objective = np.zeros(2 * size)
        objective[index], objective[size + index] = -1.0, 1.0
        zero = np.zeros_like(self.matrix)
        result = linprog(objective, A_eq=np.block([[self.matrix, zero], [zero, self.matrix]]),
                         b_eq=np.concatenate([self.rhs, self.rhs]), bounds=(0, None),
                         method="highs")
        if result.status == 3:  # unbounded
            return float("inf")
        # A solver's failure counts as no width: the safe side, one more cell is hidden.
        return -float(result.fun) if result.status == 0 else float("-inf")


def _smallest(cells: Cells, candidates: Collection[Cell]) -> Cell:
    return min(candidates, key=lambda cell: (cells[cell], *_order(cell)))


def _adds_up(cells: Cells, group: Equation) -> bool:
    """Whether a group's total and parts are all present and the parts sum to the total."""
    if any(cell not in cells for cell in group):
        return False
    total, *parts = group
    # Fractions: exact whatever the Decimal context's precision.
    return Fraction(cells[total]) == sum((Fraction(cells[part]) for part in parts), Fraction(0))


def _recoverable(sums: list[Equation], hidden: Collection[Cell]) -> set[Cell]:
    """The hidden cells whose unit vector lies in the row space of the sums restricted to the
    hidden cells (the published ones are known numbers, moved to the right-hand side)."""
    unknowns = sorted(hidden, key=_order)
    column = {cell: index for index, cell in enumerate(unknowns)}
    rows = []
    for total, *parts in sums:
        row = [Fraction(0)] * len(unknowns)
        for cell, sign in [(total, 1), *((part, -1) for part in parts)]:
            if cell in column:
                row[column[cell]] += sign
        if any(row):
            rows.append(row)
    reduced, pivots = _row_reduced(rows, len(unknowns))
    # In reduced form a unit vector is in the row space iff it is one of the rows.
    return {unknowns[pivot] for row, pivot in zip(reduced, pivots, strict=True)
            if sum(1 for entry in row if entry) == 1}


def _pinned_to_zero(cells: Cells, sums: list[Equation], hidden: Collection[Cell]) -> set[Cell]:
    """The hidden parts of a sum with a published total whose hidden parts are all zero."""
    pinned: set[Cell] = set()
    for total, *parts in sums:
        hidden_parts = [part for part in parts if part in hidden]
        # Their sum, total minus the published parts, is public; zero only if each is zero.
        if total not in hidden and hidden_parts and all(cells[p] == 0 for p in hidden_parts):
            pinned.update(hidden_parts)
    return pinned


def _leaking(cells: Cells, sums: list[Equation], hidden: Collection[Cell]) -> list[Equation]:
    """The sums that give a hidden cell away by themselves: one hidden cell (subtraction), or
    a published total whose hidden parts are all zero."""
    return [group for group in sums
            if sum(1 for cell in group if cell in hidden) == 1
            or _pinned_to_zero(cells, [group], hidden)]


def _containing(sums: list[Equation], cells: Collection[Cell]) -> list[Equation]:
    """The sums that contain one of the cells."""
    return [group for group in sums if any(cell in cells for cell in group)]


def _published_in(sums: list[Equation], hidden: Collection[Cell]) -> set[Cell]:
    """The published cells of the sums."""
    return {cell for group in sums for cell in group if cell not in hidden}


def _row_reduced(rows: list[list[Fraction]],
                 width: int) -> tuple[list[list[Fraction]], list[int]]:
    """Gauss-Jordan elimination: the non-zero rows in reduced row echelon form and the column
    of each row's pivot."""
    rows = [row[:] for row in rows]
    pivots: list[int] = []
    for col in range(width):
        done = len(pivots)
        found = next((i for i in range(done, len(rows)) if rows[i][col]), None)
        if found is None:
            continue
        rows[done], rows[found] = rows[found], rows[done]
        lead = rows[done][col]
        rows[done] = [entry / lead for entry in rows[done]]
        for i, row in enumerate(rows):
            if i != done and row[col]:
                factor = row[col]
                rows[i] = [a - factor * b for a, b in zip(row, rows[done], strict=True)]
        pivots.append(col)
    return rows[:len(pivots)], pivots


def _order(cell: Cell) -> tuple[int, bool, str, bool, str]:
    """Parts before totals (inner cells, then margins, then the grand total), then by codes."""
    first, second = cell
    return ((first is None) + (second is None),
            first is None, first or "", second is None, second or "")
