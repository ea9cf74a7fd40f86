"""The demo catalogue: what `manage.py load_demo` loads, and how.

A package by use case: data (the catalogue written out as constants), plan (planning it, pure
and deterministic: a seeded random.Random, a fixed clock, no I/O), load (adding the rows that
are missing in one transaction, then any missing image files) and images (drawing each
product's images with Pillow); beside the catalogue, promotions (its offers and code) and
sellers (three shops beside the store, each selling one aisle). Running the load again adds
nothing and changes nothing, except that an image file deleted from storage is drawn again.
"""

from shop.demo.data import NEWEST_AT, PALETTE
from shop.demo.load import load_demo_catalogue

__all__ = ["NEWEST_AT", "PALETTE", "load_demo_catalogue"]
