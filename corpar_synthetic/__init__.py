"""Synthetic 903 returns, attainment and reference data for the demo authorities and the tests.

Outside the production package on purpose: nothing in ``pipeline`` imports it except
``corpar demo`` (tests/test_hygiene.py checks), so a real run can never use made-up data.
"""
