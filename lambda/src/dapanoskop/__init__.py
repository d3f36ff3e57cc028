"""Dapanoskop: an AWS cost pipeline (collect -> process -> publish)."""
