"""Geographic core of xunqin-locator: coordinates, geodesy, the point index and datasets.

Nothing here imports a web framework; every module runs in a notebook or a script.
"""
