"""Pieces of the processor (`dapanoskop.processor`): sources, cost centers, storage, rounding."""
