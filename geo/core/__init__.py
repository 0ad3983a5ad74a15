"""Shared by both sides: coordinate systems, geodesy, divisions, boundaries, phones, errors."""
