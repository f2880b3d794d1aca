"""处罚决定公开 — publication of penalty decisions (router, service, schemas, rules, models, settings)."""
