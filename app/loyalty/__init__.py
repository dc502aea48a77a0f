"""Loyalty points: the ledger, and the rules that add to it from the customer's orders."""
