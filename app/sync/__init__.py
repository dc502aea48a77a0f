"""Platform sync: every connected platform gets the same code, segments and suppressions."""
