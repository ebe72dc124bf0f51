"""Every way a token or the issuer's key set can fail, one named error each (as in awslabs/aws-jwt-verify's
error module). Shared by the JWKS cache and the verifier so that every refusal, including a `kid` the key
set does not hold, is a JwtVerificationError: callers turn that into a 401/400 and nothing else.
"""

from __future__ import annotations


class JwksUnavailable(Exception):
    """No keys could be fetched and none were cached: the issuer's JWKS endpoint is unreachable or broken.
    Not the token's fault: a 503, never a 401."""


class JwtVerificationError(Exception):
    """The token must not be trusted; the subclass names the check that failed."""


class JwtMalformed(JwtVerificationError):
    """Not a compact JWS with JSON header and claims."""


class JwtOversized(JwtVerificationError):
    """A segment is larger than any Cognito token's: refused before it is decoded."""


class JwtInvalidAlgorithm(JwtVerificationError):
    """alg is not RS256 (stops `none` and HS256-with-the-public-key tokens)."""


class JwtMissingKid(JwtVerificationError):
    """No kid header: the signing key cannot be chosen from the JWKS."""


class JwtUnknownKid(JwtVerificationError):
    """The token names a key the issuer does not publish (after the one refetch the policy allows)."""


class JwtInvalidSignature(JwtVerificationError):
    """The signature does not verify under the issuer's key."""


class JwtInvalidIssuer(JwtVerificationError):
    """iss is not our user pool."""


class JwtInvalidAudience(JwtVerificationError):
    """ID token aud is not our app client."""


class JwtInvalidClientId(JwtVerificationError):
    """Access token client_id is not our app client."""


class JwtInvalidTokenUse(JwtVerificationError):
    """token_use is not the kind this endpoint accepts (an ID token offered as access token or the reverse)."""


class JwtMissingClaim(JwtVerificationError):
    """A required claim (exp, iat, sub, ...) is absent."""


class JwtInvalidClaim(JwtVerificationError):
    """A claim has the wrong type or an impossible value (e.g. iat in the future, exp NaN)."""


class JwtExpired(JwtVerificationError):
    """exp is in the past."""


class JwtNotYetValid(JwtVerificationError):
    """nbf is later than now, beyond the clock skew tolerated for iat: the token is not valid yet."""


class JwtNonceMismatch(JwtVerificationError):
    """ID token nonce differs from the login transaction's (a replayed or injected ID token)."""


class JwtInvalidAtHash(JwtVerificationError):
    """ID token at_hash does not match the access token it came with (tokens from two different sign-ins)."""
