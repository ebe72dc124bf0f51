"""HubSpot CRM client: contact batch upserts, a contact's GDPR delete and property definitions, over urllib.

Hand-written rather than HubSpot's `hubspot-api-client`: the SDK brings urllib3 and thousands of
generated model modules into the layer (cold start), and its retry knows neither HubSpot's two 429
policies (wait out TEN_SECONDLY_ROLLING, stop at DAILY) nor the Lambda invocation's deadline, which
are the two things this client exists for. Everything else here is one JSON POST.

Retry policy (docs/crm-sync.md): 429 TEN_SECONDLY_ROLLING, 5xx, timeouts and connection errors are
retried with bounded exponential backoff and jitter, honouring Retry-After; a 429 DAILY stops at once
(nothing will succeed before the quota resets); other 4xx are not retried. No wait ever runs past
the caller's deadline. The loop is hhl.retry's; this module classifies HubSpot's answers. Never log the
token or an email address: contacts are personal data.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hhl import deadline as invocation_deadline
from hhl import retry
from hhl.observability import logger

DEFAULT_BASE_URL = "https://api.hubapi.com"
UPSERT_CONTACTS_PATH = "/crm/v3/objects/contacts/batch/upsert"
GDPR_DELETE_CONTACT_PATH = "/crm/v3/objects/contacts/gdpr-delete"
MAX_BATCH_INPUTS = 100  # HubSpot's limit for batch endpoints
DAILY_POLICY = "DAILY"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class HubSpotError(Exception):
    """A request failed after the retries the policy allows (or could not be retried)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class DailyLimitReached(HubSpotError):
    """HubSpot's daily request quota is used up: every further call today would be a 429 too."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5  # first backoff; doubles per attempt
    max_delay: float = 10.0  # one backoff never exceeds this (a ten-secondly window rolls over in 10 s)
    max_retry_after: float = 30.0  # a longer Retry-After means "not now": give up and let the caller retry later
    request_timeout: float = 10.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        """Overridable for tests and the local stack (HUBSPOT_MAX_ATTEMPTS, HUBSPOT_BACKOFF_BASE_SECONDS, ...)."""
        env = os.environ if env is None else env
        default = cls()
        return cls(
            max_attempts=int(env.get("HUBSPOT_MAX_ATTEMPTS") or default.max_attempts),
            base_delay=float(env.get("HUBSPOT_BACKOFF_BASE_SECONDS") or default.base_delay),
            max_delay=float(env.get("HUBSPOT_BACKOFF_MAX_SECONDS") or default.max_delay),
            max_retry_after=float(env.get("HUBSPOT_MAX_RETRY_AFTER_SECONDS") or default.max_retry_after),
            request_timeout=float(env.get("HUBSPOT_TIMEOUT_SECONDS") or default.request_timeout),
        )

    @property
    def backoff(self) -> retry.Backoff:
        """Exponential backoff with equal jitter (spreads concurrent callers' retries); a Retry-After over
        max_retry_after gives up instead of sleeping."""
        return retry.Backoff(
            max_attempts=self.max_attempts,
            base=self.base_delay,
            cap=self.max_delay,
            jitter=retry.EQUAL,
            max_server_wait=self.max_retry_after,
        )


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass
class UpsertOutcome:
    """Contact ids of the emails HubSpot confirmed, and why the others failed (by lower-cased email)."""

    contact_ids: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    daily_limit_reached: bool = False


def normalize_email(email: str) -> str:
    """HubSpot matches contacts by email case-insensitively; one spelling per address avoids duplicate inputs."""
    return email.strip().lower()


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: rare enough that the normal backoff is fine


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is answered as itself: urllib would follow it with the Authorization header, token and all."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class HubSpotClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        policy: RetryPolicy | None = None,
    ):
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()

    # ------------------------------------------------------------------ transport
    def _send(self, method: str, path: str, body: Any, timeout: float) -> Response:
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "authorization": f"Bearer {self._token}",
                "content-type": "application/json",
                "accept": "application/json",
            },
        )
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                status, raw, headers = response.status, response.read(MAX_RESPONSE_BYTES), response.headers
        except urllib.error.HTTPError as exc:
            status, raw, headers = exc.code, exc.read(MAX_RESPONSE_BYTES), exc.headers
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Response(status, parsed, {k.lower(): v for k, v in headers.items()})

    def request(self, method: str, path: str, body: Any = None, deadline: float | None = None) -> Response:
        """One call with the retry policy applied. Returns any 2xx-4xx response except a retryable 429.

        Raises DailyLimitReached at once for the daily quota, HubSpotError when retries, time or the
        deadline (time.monotonic(); by default the invocation's, hhl.deadline) run out.
        """
        if deadline is None:
            deadline = invocation_deadline.deadline()

        def attempt(_number: int) -> Response | retry.Failure:
            timeout = self.policy.request_timeout
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout <= 0:
                    raise HubSpotError("HubSpot call abandoned: no time left before the deadline")
            try:
                response = self._send(method, path, body, timeout)
            except (OSError, http.client.HTTPException) as exc:  # timeouts, refused/reset connections, URLError
                return retry.Failure((type(exc).__name__, None))
            status = response.status
            if status == 429:
                policy = (response.body or {}).get("policyName") if isinstance(response.body, dict) else None
                if policy == DAILY_POLICY:
                    logger.error("HubSpot daily API limit reached; stopping", extra={"path": path})
                    raise DailyLimitReached("HubSpot daily API limit reached", status=429)
                reason = f"429 {policy or 'rate limited'}"
                return retry.Failure(
                    (reason, status), throttled=True, server_wait=_retry_after_seconds(response.headers)
                )
            if status >= 500:
                return retry.Failure((f"{status} server error", status))
            return response

        def before_sleep(failure: retry.Failure, number: int, delay: float) -> None:
            logger.warning(
                "HubSpot call failed; retrying",
                extra={"path": path, "reason": failure.detail[0], "attempt": number, "delay_s": round(delay, 3)},
            )

        try:
            return retry.run(attempt, self.policy.backoff, deadline=deadline, before_sleep=before_sleep)
        except retry.GaveUp as stop:
            (reason, status), wait = stop.failure.detail, stop.failure.server_wait
            if stop.why == "server wait":
                message = f"HubSpot asked to retry after {wait:.0f}s: {reason}"
            elif stop.why == "deadline":
                message = f"HubSpot {method} {path} failed ({reason}); no time left to retry"
            else:
                message = f"HubSpot {method} {path} failed after {stop.attempts} attempts: {reason}"
            raise HubSpotError(message, status) from None

    # ------------------------------------------------------------------ contacts
    def upsert_contacts(
        self, contacts: Mapping[str, Mapping[str, str]], deadline: float | None = None
    ) -> UpsertOutcome:
        """Create or update contacts by email (`{email: properties}`), <= 100 inputs a call.

        Emails are lower-cased and de-duplicated (the last spelling's properties win). Records HubSpot
        does not confirm in a 200/207 response are retried within the policy, then reported as failed;
        a 400 for a batch is bisected so one invalid record cannot fail the other 99.
        """
        normalized = {normalize_email(email): dict(props) for email, props in contacts.items()}
        outcome = UpsertOutcome()
        for chunk in _chunks(list(normalized.items()), MAX_BATCH_INPUTS):
            if outcome.daily_limit_reached:
                outcome.failed.update((email, "daily limit reached") for email, _ in chunk)
                continue
            try:
                self._upsert_chunk(dict(chunk), outcome, deadline)
            except DailyLimitReached:
                outcome.daily_limit_reached = True
                pending = {email for email, _ in chunk} - outcome.contact_ids.keys()
                outcome.failed.update((email, "daily limit reached") for email in pending)
        return outcome

    def _upsert_chunk(self, pending: dict[str, dict], outcome: UpsertOutcome, deadline: float | None) -> None:
        def attempt(number: int) -> retry.Failure | None:
            emails = list(pending)
            # objectWriteTraceId ties each result and error back to its input without echoing emails to logs.
            body = {
                "inputs": [
                    {"id": email, "idProperty": "email", "objectWriteTraceId": str(i), "properties": pending[email]}
                    for i, email in enumerate(emails)
                ]
            }
            try:
                response = self.request("POST", UPSERT_CONTACTS_PATH, body, deadline)
            except DailyLimitReached:
                raise
            except HubSpotError as exc:
                outcome.failed.update((email, str(exc)) for email in pending)
                return None
            if response.status == 400 and len(pending) > 1:
                logger.warning("HubSpot rejected a batch; bisecting it", extra={"inputs": len(pending)})
                half = len(emails) // 2
                self._upsert_chunk({e: pending[e] for e in emails[:half]}, outcome, deadline)
                self._upsert_chunk({e: pending[e] for e in emails[half:]}, outcome, deadline)
                return None
            if response.status not in (200, 201, 207):
                category = response.body.get("category") if isinstance(response.body, dict) else None
                reason = f"HubSpot answered {response.status} {category or ''}".strip()
                outcome.failed.update((email, reason) for email in pending)
                return None
            for result in (response.body or {}).get("results") or []:
                email = self._result_email(result, emails)
                if email in pending and result.get("id"):
                    outcome.contact_ids[email] = str(result["id"])
                    del pending[email]
            if not pending:
                return None
            errors = (response.body or {}).get("errors") or []
            categories = sorted({str(e.get("category")) for e in errors if isinstance(e, dict)})
            logger.warning(
                "HubSpot did not confirm some records",
                extra={"unconfirmed": len(pending), "categories": categories, "attempt": number},
            )
            return retry.Failure()  # the unconfirmed records are sent again, after a backoff

        try:
            retry.run(attempt, self.policy.backoff, deadline=deadline)
        except retry.GaveUp:  # out of attempts or of time
            outcome.failed.update((email, "not confirmed by HubSpot") for email in pending)

    def gdpr_delete_contact(self, contact_id: str, deadline: float | None = None) -> bool:
        """Permanently delete the contact with this HubSpot id (GDPR delete); False when HubSpot has no such contact.

        By id, never by email: deleting by an email HubSpot does not know would blocklist that address.
        Raises HubSpotError (DailyLimitReached) when HubSpot did not confirm the deletion.
        """
        response = self.request("POST", GDPR_DELETE_CONTACT_PATH, {"objectId": contact_id}, deadline)
        if response.status in (200, 204):
            return True
        if response.status == 404:
            return False
        category = response.body.get("category") if isinstance(response.body, dict) else None
        raise HubSpotError(f"HubSpot answered {response.status} {category or ''}".strip(), response.status)

    @staticmethod
    def _result_email(result: Mapping, emails: list[str]) -> str | None:
        trace_id = result.get("objectWriteTraceId")
        if isinstance(trace_id, str) and trace_id.isdigit() and int(trace_id) < len(emails):
            return emails[int(trace_id)]
        email = (result.get("properties") or {}).get("email")
        return normalize_email(email) if isinstance(email, str) else None


def client() -> HubSpotClient:
    """A client for the current token, made per batch (it is only a few fields): the token comes from the
    secret store's cache, read through the extension on first use and again after its TTL, so a rotated
    token is used without recycling the function."""
    from hhl.secret_store import get_secret

    return HubSpotClient(
        token=get_secret("HUBSPOT_PRIVATE_APP_TOKEN"), base_url=base_url_from_env(), policy=RetryPolicy.from_env()
    )


def base_url_from_env() -> str:
    """HUBSPOT_API_BASE_URL: https, or plain http to a loopback fake only - the token travels with every call."""
    from hhl.config import ConfigError

    url = (os.environ.get("HUBSPOT_API_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)):
        raise ConfigError("Environment variable HUBSPOT_API_BASE_URL must be an https URL (or http on loopback)")
    return url
