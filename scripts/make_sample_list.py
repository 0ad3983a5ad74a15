"""Write the bundled sample dataset back out as a source list, in the shape official lists have.

    python scripts/make_sample_list.py [--out data/source/sample-list.csv]

The list is what `scripts/build_index.py` reads: a title row, a 序号 column, Chinese headers.
It exists so ops can try the whole build on bundled data and so bench/rebuild_sample.py can time
a rebuild. Like the dataset it comes from it is SAMPLE data: every address says 样例, and it has
no contacts and no phones.
"""

import argparse
import csv
import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from geo.dataset import load_version  # noqa: E402

SAMPLE_VERSION = "sample-20251231"
DEFAULT_OUT = REPO / "data" / "source" / "sample-list.csv"
TITLE = (
    "全国公安机关免费采血点（样例数据，非官方名单，仅供演示 / SAMPLE DATA, not the official list）"
)
HEADER = ("序号", "省份", "单位名称", "地址", "负责人", "联系电话")


def sample_list_csv(data_dir: Path) -> bytes:
    dataset = load_version(data_dir, SAMPLE_VERSION)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # as spreadsheet programs export
    writer.writerow([TITLE, "", "", "", "", ""])
    writer.writerow(HEADER)
    # The address without its province: many official lists omit it, and the province column
    # (or the unit name) has to supply it.
    for row, props in enumerate(dataset.properties, start=1):
        address = props["address"].removeprefix(props["province"]) or props["address"]
        writer.writerow([row, props["province"], props["name"], address, "", ""])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")  # UTF-8 with BOM, like Excel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--data-dir", type=Path, default=REPO / "data")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(sample_list_csv(args.data_dir))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
