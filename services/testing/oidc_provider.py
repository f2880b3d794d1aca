"""A small OpenID Connect provider for the workspace's sign-in tests: Authlib's own server-side grants
(authorization code with the OpenID Connect extension and PKCE required, RFC 7636 S256) behind a Flask app,
served over real HTTP on 127.0.0.1 in a thread — discovery, an authorization page where a person types a
username and password, the token endpoint (public client with PKCE, or a client secret), and the JWKS of a
fresh RSA key. The people it knows, with their claims, are given by the test.

It is a test double of a bureau's identity provider, not one: codes and tokens live in memory."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class Person:
    username: str
    password: str
    claims: dict[str, Any]  # besides ``sub`` (the username): name, roles, bureau, … as the test wants them


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str | None
    redirect_uris: list[str] = field(default_factory=list)  # empty: any loopback URL

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if self.redirect_uris:
            return redirect_uri in self.redirect_uris
        return redirect_uri.startswith(("http://127.0.0.1:", "http://localhost:", "http://testserver/"))

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and hmac.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == ("client_secret_basic" if self.client_secret else "none")
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class Provider:
    """The provider's state; ``issuer`` is its URL once serving (see ``serve``)."""

    def __init__(self, people: list[Person], *, client_id: str, client_secret: str | None = None) -> None:
        self.people = {p.username: p for p in people}
        self.client = Client(client_id, client_secret)
        self.codes: dict[str, Code] = {}
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4), "use": "sig", "alg": "RS256"})
        self.issuer = ""
        self.token_requests: list[dict[str, str]] = []  # what the token endpoint was sent (tests look at it)
        self.app = self._app()

    def _app(self) -> flask.Flask:
        provider = self
        app = flask.Flask(__name__)
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 300}
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = False

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code, client_id=request.client.get_client_id(), redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope, username=request.user.username, nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"),
                    auth_time=int(time.time()))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found is not None and found.client_id == client.get_client_id() else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return provider.people.get(authorization_code.username)

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def get_client_claims(self, client):
                now = int(time.time())
                return {"iss": provider.issuer, "aud": [client.get_client_id()], "iat": now, "exp": now + 300}

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user.username, **user.claims)

        server = AuthorizationServer(app, query_client=lambda cid: self.client if cid == self.client.client_id else None,
                                     save_token=lambda token, request: None)
        server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return flask.jsonify({
                "issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
                "scopes_supported": ["openid", "profile", "email"]})

        @app.get("/jwks")
        def jwks():
            return flask.jsonify({"keys": [self.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                server.get_consent_grant(end_user=None)
            except OAuth2Error as e:
                return flask.Response(f"<h1>invalid request</h1><p>{escape(e.error or '')}: "
                                      f"{escape(e.description or '')}</p>", status=400)
            error = ""
            if flask.request.method == "POST":
                if flask.request.form.get("action") == "deny":
                    return server.create_authorization_response(grant_user=None)
                who = self.people.get(flask.request.form.get("username", ""))
                if who is not None and hmac.compare_digest(who.password, flask.request.form.get("password", "")):
                    return server.create_authorization_response(grant_user=who)
                error = "<p id='error'>用户名或密码错误</p>"
            return flask.Response(
                "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>测试身份认证</title></head><body>"
                f"<h1>测试身份认证服务</h1>{error}<form method='post'>"
                "<label>用户名 <input name='username' id='idp-username'></label>"
                "<label>密码 <input name='password' type='password' id='idp-password'></label>"
                "<button type='submit' id='idp-login'>登录</button>"
                "<button type='submit' name='action' value='deny' id='idp-deny'>拒绝</button>"
                "</form></body></html>", content_type="text/html; charset=utf-8")

        @app.post("/token")
        def token():
            self.token_requests.append(dict(flask.request.form))
            return server.create_token_response()

        return app


@contextmanager
def serve(people: list[Person], *, client_id: str = "ecocomply-workspace",
          client_secret: str | None = None) -> Iterator[Provider]:
    """The provider serving on a free 127.0.0.1 port until the block ends; ``provider.issuer`` is its URL."""
    provider = Provider(people, client_id=client_id, client_secret=client_secret)
    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
