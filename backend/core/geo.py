"""Distances on the earth, good to a metre at township scale."""
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres (haversine); None if any coordinate is missing."""
    if None in (lat1, lng1, lat2, lng2):
        return None
    dlat, dlng = radians(lat2 - lat1), radians(lng2 - lng1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(a))
