"""监督审核工作台 — the supervision workspace at ``/workspace``: auditors, bureau leaders and administrators sign
in (a local account, or the bureau's identity provider by OpenID Connect) and work the supervision flags in a
browser. Like the portal it reaches the services only through ``shared.http.ServiceClient``."""
