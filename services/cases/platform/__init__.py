"""The provincial platform (issue 7): inbound risk warnings and inspections (router, service, schemas);
the outbound webhooks are ``consumers.webhooks``, ``jobs.webhook_delivery`` and ``router.webhooks``."""
