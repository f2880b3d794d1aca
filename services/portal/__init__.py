"""The public compliance portal (公开) at ``/`` and the enterprise's own page at ``/my``: server-rendered
Chinese pages over the services' HTTP APIs (never their code), a small amount of vanilla JS, every asset
served from here."""
