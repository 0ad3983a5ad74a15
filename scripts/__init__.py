"""Operations command lines; `python scripts/<name>.py` runs each, so does its console script."""
