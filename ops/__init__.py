"""Operator entry points: train when needed (``ops.model``) and run everything (``ops.run``)."""
