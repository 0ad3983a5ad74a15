"""Geocoding: turning published addresses into WGS-84 placements with honest precision labels."""
