"""Dapanoskop: an AWS cost pipeline (collect -> process -> publish)."""

from dapanoskop import redaction

# No log line of the package ever carries an AWS account id (see redaction.py).
redaction.install()
