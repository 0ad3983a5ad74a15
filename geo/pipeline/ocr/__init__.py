"""Lists published as images of tables, read back into rows by offline OCR.

`images` (load, check, straighten), `engine` (RapidOCR text boxes), `grid` (ruled lines or
text lines), `table` (one image's rows, header by the ingest rules), `reader` (several images,
joined and checked), `checks` (phones, 序号), `listcsv` (the CSV and its review state),
`review` (the static proofreading page). Nothing is imported here, so a build can read a
list's review state (`listcsv`) without the `[ocr]` extra installed.
"""
