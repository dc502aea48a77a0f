"""Fakes of the vendors at the network edge; they keep state and answer in vendor shapes."""
