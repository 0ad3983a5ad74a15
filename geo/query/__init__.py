"""The query side: the point index, the catalogue of a loaded dataset, answers, map links."""
