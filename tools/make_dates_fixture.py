#!/usr/bin/env python3
"""Writes tests/fixtures/dates.tsv: what the book's random_dates (chapter 16,
exercise 9) gives, for tests/test_dates.c to reproduce with nmt_random_dates.

    python3 tools/make_dates_fixture.py [--out PATH]     (needs numpy)

Lines (tab-separated): seed, split, index, ordinal, x, y.
- seed 42 as the book draws it: np.random.seed(42), then train (10,000),
  valid (2,000) and test (2,000) from the same stream; the first 20 train
  pairs, the first 5 of valid and test, and the last of each;
- seed 7: one draw of 10, all of them;
- seed "-": date.fromordinal at edge cases (ordinal 1, leap days, century
  years, the first and last dates random_dates can give).
"""
import argparse
from datetime import date

import numpy as np

# the book's: strftime's %B depends on the locale
MONTHS = ["January", "February", "March", "April", "May", "June",
          "July", "August", "September", "October", "November", "December"]
MIN_DATE = date(1000, 1, 1).toordinal()
MAX_DATE = date(9999, 12, 31).toordinal()


def pair(ordinal):
    dt = date.fromordinal(int(ordinal))
    return MONTHS[dt.month - 1] + " " + dt.strftime("%d, %Y"), dt.isoformat()


def random_ordinals(n):
    """The ordinals of the book's random_dates(n) (numpy's legacy global state)."""
    return np.random.randint(MAX_DATE - MIN_DATE, size=n) + MIN_DATE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="tests/fixtures/dates.tsv")
    args = ap.parse_args()
    rows = []
    np.random.seed(42)
    for split, n, keep in (("train", 10000, 20), ("valid", 2000, 5), ("test", 2000, 5)):
        ords = random_ordinals(n)
        for i in list(range(keep)) + [n - 1]:
            rows.append(("42", split, i, ords[i]))
    np.random.seed(7)
    for i, o in enumerate(random_ordinals(10)):
        rows.append(("7", "all", i, o))
    edges = [1, 59, 60, 365, 366, MIN_DATE, MAX_DATE - 1, MAX_DATE,
             date(1600, 2, 29).toordinal(), date(1700, 2, 28).toordinal(), date(1700, 3, 1).toordinal(),
             date(2000, 2, 29).toordinal(), date(2000, 12, 31).toordinal(), date(2001, 1, 1).toordinal(),
             date(2019, 4, 22).toordinal(), date(2100, 3, 1).toordinal(), date(9996, 2, 29).toordinal()]
    for i, o in enumerate(edges):
        rows.append(("-", "edge", i, o))
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# seed\tsplit\tindex\tordinal\tx\ty  (tools/make_dates_fixture.py, numpy %s)\n" % np.__version__)
        for seed, split, i, o in rows:
            x, y = pair(o)
            f.write("%s\t%s\t%d\t%d\t%s\t%s\n" % (seed, split, i, o, x, y))
    print("wrote %s: %d lines" % (args.out, len(rows)))


if __name__ == "__main__":
    main()
