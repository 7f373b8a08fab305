"""Sign-in through the bureau's OpenID Connect provider (统一身份认证), with Authlib's Starlette client
(docs/security.md). Made by ``create_app`` when ``JIUZHU_OIDC_*`` are set (``app.state.oidc``; None otherwise).

    await provider.start(request, next_path)    the redirect to the provider's authorization endpoint
    await provider.finish(request) -> Identity  at the callback: the person the provider vouched for, verified;
                                                else ``ProviderRefused`` (401) or ``ProviderUnavailable`` (503)

The Authorization Code flow with PKCE (S256), ``state`` and ``nonce``. Between the two requests Authlib keeps the
state, the nonce, the code verifier and the redirect URI in the session cookie (signed with the installation's
key, HttpOnly, SameSite=Lax): a callback whose ``state`` is not the one this browser was sent with is refused, so a
code cannot be slipped into someone else's browser (login CSRF), and a code intercepted on its way back is useless
without the verifier. At the callback the code is exchanged at the token endpoint (client secret, code verifier),
and the ID token is verified: its signature against the provider's published keys (``jwks_uri``; fetched again
when a new key id appears), its issuer (equal to the configured one — the discovery document must say the same),
its audience (our client id; ``azp`` when there are several), its expiry (2 minutes' leeway for clocks) and issue
time, and its nonce. Which account the identity signs in to is the accounts service's (``sign_in_identity``).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from jiuzhu.accounts.service import Identity
from jiuzhu.config import OidcSettings
from jiuzhu.errors import AuthenticationError, ConfigurationError
from jiuzhu.i18n import N_, t

NAME = "provider"  # Authlib's name of the client: its session keys are _state_provider_<state>
NEXT_KEY = "oidc_next"  # where to go after signing in, kept in the session between start and finish
SCOPE = "openid profile"
MAX_IDENTIFIER = 255  # OpenID Connect Core 2: sub at most 255 ASCII characters (users.oidc_subject's width)
TIMEOUT_S = 10  # each request to the provider: a provider that hangs must not hang the sign-in page


def _http_errors() -> tuple[type[Exception], ...]:
    """What Authlib's HTTP client raises when the provider cannot be reached: httpx's errors, or httpx2's (Authlib
    uses httpx2 when it is installed)."""
    try:
        import httpx2
    except ImportError:
        return (httpx.HTTPError,)
    return (httpx.HTTPError, httpx2.HTTPError)


HTTP_ERRORS = _http_errors()


class ProviderRefused(AuthenticationError):
    """The sign-in failed before any account was looked at; ``reason``: a word for the audit log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProviderUnavailable(ConfigurationError):
    """The provider cannot be reached or answers nonsense (503: try again, or sign in with the password)."""

    reason = "unavailable"


class Provider:
    def __init__(self, settings: OidcSettings) -> None:
        import authlib.deprecate  # noqa: F401  (first: it puts its own "always show" filter in front)

        with warnings.catch_warnings():
            # Authlib 1.x warns that it runs on httpx rather than its successor httpx2: Jiuzhu uses httpx (and pins
            # Authlib below 2.0); not a word for the operator starting the server
            warnings.filterwarnings("ignore", message=".*httpx2.*")
            from authlib.integrations.starlette_client import OAuth

        self.settings = settings
        self.issuer = settings.issuer.rstrip("/")
        self.client = OAuth().register(
            NAME, client_id=settings.client_id, client_secret=settings.client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": TIMEOUT_S})

    @property
    def label(self) -> str:
        """The provider's name as people know it (the sign-in button, messages)."""
        return self.settings.name or t(DEFAULT_NAME)

    async def start(self, request: Request, next_path: str) -> Response:
        """The redirect to the provider; ``next_path`` (a path of this site) is where the callback goes on to."""
        await self._metadata()
        redirect_uri = self.settings.redirect_uri or str(request.url_for("oidc_callback"))
        response = await self.client.authorize_redirect(request, redirect_uri)
        request.session[NEXT_KEY] = next_path
        return response

    async def finish(self, request: Request) -> Identity:
        """The identity of the callback's person, every check passed (the module's docstring)."""
        from authlib.integrations.base_client import MismatchingStateError, OAuthError
        from joserfc.errors import JoseError

        error = request.query_params.get("error")
        if error is not None:
            self.forget(request)
            error = _ERROR_CODE.sub("", error)[:40] or "-"  # an OAuth error code is plain ASCII; never echo more
            words = PROVIDER_ERRORS.get(error, PROVIDER_ERROR)
            raise ProviderRefused(t(words, provider=self.label, error=error), f"provider:{error}")
        metadata = await self._metadata()
        try:
            token = await self.client.authorize_access_token(request, claims_options=self._claims_options(metadata))
        except MismatchingStateError:
            raise ProviderRefused(t(BAD_STATE, provider=self.label), "state") from None
        except OAuthError as exc:  # the token endpoint refused the code (used, expired, another client's …)
            raise ProviderRefused(t(TOKEN_REFUSED, provider=self.label, error=str(exc.error)[:60]), "token") from None
        except HTTP_ERRORS as exc:
            raise self._unavailable(exc) from None
        except (JoseError, ValueError) as exc:  # ValueError: a token answer that is not JSON, a token not a JWT
            raise ProviderRefused(t(UNVERIFIED, provider=self.label, cause=_jose_cause(exc)), "id_token") from None
        claims = token.get("userinfo")
        if not claims:
            raise ProviderRefused(t(UNVERIFIED, provider=self.label, cause="id_token"), "id_token")
        if len(claims["sub"]) > MAX_IDENTIFIER or len(claims["iss"]) > MAX_IDENTIFIER:
            raise ProviderRefused(t(UNVERIFIED, provider=self.label, cause="sub"), "id_token")
        username = claims.get(self.settings.username_claim)
        if username is None and metadata.get("userinfo_endpoint"):
            username = await self._userinfo_claim(token, claims["sub"])
        return Identity(issuer=claims["iss"], subject=claims["sub"],
                        username=username if isinstance(username, str) else None,
                        claim=self.settings.username_claim, provider=self.label)

    def next_path(self, request: Request) -> str:
        return request.session.pop(NEXT_KEY, None) or "/"

    def forget(self, request: Request) -> None:
        """Drop what the flow kept in the session (the provider's refusal ends it)."""
        for key in [k for k in request.session if k.startswith(f"_state_{NAME}_") or k == NEXT_KEY]:
            request.session.pop(key, None)

    def _claims_options(self, metadata: dict[str, Any]) -> dict[str, Any]:
        # Authlib checks the issuer only against the discovery document, and the audience not at all unless asked:
        # ask for both (a new dict each time: Authlib takes hooks out of it)
        return {"iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": self.settings.client_id},
                "sub": {"essential": True}, "exp": {"essential": True}, "iat": {"essential": True}}

    async def _metadata(self) -> dict[str, Any]:
        """The provider's discovery document (read once, then kept), checked to be the configured issuer's."""
        try:
            metadata = await self.client.load_server_metadata()
        except (*HTTP_ERRORS, ValueError, TypeError) as exc:  # unreachable, an error status, not JSON
            raise self._unavailable(exc) from None
        said = str(metadata.get("issuer") or "")
        if said.rstrip("/") != self.issuer:
            raise ProviderUnavailable(t(OTHER_ISSUER, issuer=self.settings.issuer, said=said[:200]))
        missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not metadata.get(k)]
        if missing:
            raise ProviderUnavailable(t(INCOMPLETE, issuer=self.settings.issuer, missing=", ".join(missing)))
        return metadata

    async def _userinfo_claim(self, token: dict, subject: str) -> str | None:
        """The user name from the userinfo endpoint, when the ID token holds none (OpenID Connect allows either);
        its ``sub`` must be the ID token's (OpenID Connect Core 5.3.2), else it is not this person's."""
        try:
            info = await self.client.userinfo(token=token)
        except (*HTTP_ERRORS, ValueError) as exc:
            raise self._unavailable(exc) from None
        return info.get(self.settings.username_claim) if info.get("sub") == subject else None

    def _unavailable(self, exc: Exception) -> ProviderUnavailable:
        cause = f"{type(exc).__name__}: {exc}"[:200]
        return ProviderUnavailable(t(UNREACHABLE, provider=self.label, issuer=self.settings.issuer, cause=cause))


_ERROR_CODE = re.compile(r"[^A-Za-z0-9_.-]")


def _jose_cause(exc: Exception) -> str:
    """What was wrong with the ID token, in the protocol's terms (``bad_signature``, ``invalid_claim: aud`` …)."""
    error = getattr(exc, "error", "") or type(exc).__name__
    claim = getattr(exc, "claim", None)
    return f"{error}: {claim}" if claim else str(error)


DEFAULT_NAME = N_("unified identity authentication")
BAD_STATE = N_("this sign-in through {provider} did not start in this browser, or has expired or been used: start "
               "again from the sign-in page")
PROVIDER_ERROR = N_("{provider} did not sign you in ({error}): start again from the sign-in page, or sign in with "
                    "your password")
PROVIDER_ERRORS = {
    "access_denied": N_("the sign-in was cancelled at {provider} ({error}): start again from the sign-in page"),
    "login_required": N_("{provider} asks you to sign in there first ({error}): start again from the sign-in page"),
}
TOKEN_REFUSED = N_("{provider} refused to confirm this sign-in ({error}): start again from the sign-in page")
UNVERIFIED = N_("the answer of {provider} could not be verified ({cause}), so nobody was signed in: start again, and "
                "tell the administrator if it happens again")
UNREACHABLE = N_("{provider} ({issuer}) cannot be reached or did not answer properly ({cause}): try again later, or "
                 "sign in with your password")
OTHER_ISSUER = N_("the identity provider at {issuer} says its issuer is '{said}': set JIUZHU_OIDC_ISSUER to the "
                  "provider's issuer exactly")
INCOMPLETE = N_("the identity provider at {issuer} publishes no {missing} in its discovery document: check "
                "JIUZHU_OIDC_ISSUER")
