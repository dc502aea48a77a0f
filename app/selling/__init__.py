"""Assisted selling: staff finishing a sale from a shopper's live cart."""
