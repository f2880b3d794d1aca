"""EcoComply's four services and the composition root (``cli``, ``composition``) above them.

Dependencies point one way: each service uses ``shared``; no service imports another.
"""
