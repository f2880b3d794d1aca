"""EcoComply's common package: each cross-cutting concept lives here exactly once.

No module here imports a service; services import from here.
"""
