"""Synthetic 903 returns, attainment and reference data for the demo authorities and the tests.

Outside the production package on purpose: nothing in ``pipeline`` imports it except
``corpar demo`` (tests/contract/test_rooms.py checks): a real run never uses made-up data.
"""
