"""Read a list published as images of tables into a CSV that scripts/build_index.py reads.

    python scripts/read_images.py IMAGE... --out LIST.csv

Images of one province, in order (JPEG, PNG or WebP; long screenshots and slightly rotated
photos are fine). Writes LIST.csv (the list's columns, then where each row was read and how
sure the reader was) and LIST.review.html beside it: open it in a browser, check the flagged
cells against the crops, correct them, tick the rows, and export the corrected CSV. A build
refuses a list with flagged cells not marked reviewed (unless --force).

Every table row ends as a CSV row or a problem printed with its image and position; an image
that cannot be read is reported and the others are still read. Needs the [ocr] extra.
Exit status: 0 read (problems, if any, printed), 1 nothing could be read, 2 bad arguments or
the [ocr] extra missing.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from geo.pipeline.ocr.engine import EngineMissing, RapidEngine
from geo.pipeline.ocr.listcsv import write_atomic, write_csv
from geo.pipeline.ocr.reader import read_images
from geo.pipeline.ocr.review import review_page

EXIT_NOTHING, EXIT_USAGE = 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("images", nargs="+", type=Path, help="images of the list, in order")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write (LIST.csv)")
    args = parser.parse_args(argv)
    out: Path = args.out
    if out.suffix.lower() != ".csv":
        print(f"error: --out must name a .csv file, not {out}")
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        engine = RapidEngine()
    except EngineMissing as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    result, pages = read_images(args.images, engine)
    for problem in result.problems:
        print(f"problem: {problem.kind}: {problem.image}: {problem.detail}")
    if not result.rows:
        print("error: no table rows were read; nothing written")
        return EXIT_NOTHING
    review = out.with_suffix(".review.html")
    write_csv(result, out)
    write_atomic(review, review_page(result, pages, out.name))
    flags = Counter(f for row in result.rows for cell in row.cells.values() for f in cell.flags)
    flagged_rows = sum(1 for row in result.rows if row.flagged())
    print(
        f"read {len(result.rows)} rows from {len(pages)} of {len(args.images)} images in "
        f"{time.perf_counter() - started:.1f} s; {sum(flags.values())} cells flagged "
        f"({', '.join(f'{k} {v}' for k, v in flags.most_common()) or 'none'}) in "
        f"{flagged_rows} rows; {len(result.problems)} problems"
    )
    print(f"wrote {out} and {review}")
    if flagged_rows:
        print(f"next: open {review}, check the flagged cells, export the corrected CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
