"""The case workflow: enterprises, officers, filing, every workflow action (router, service and the stage
modules steps, rights, decision, execution), the API models (schemas). The pure rules are in ``workflow``."""
