"""Warm latency of every endpoint beside the bare calls it must make, plus its DynamoDB calls per request.

Handlers run in this process (functions/*/app.py and layers/shared, the sources `sam build` copies) against
the bench's own local stack, as a signed-in user whose JWKS is already cached. For each endpoint the
floor is the set of calls the endpoint cannot avoid, issued with the same client against the same
emulator in the same round:

  * DynamoDB calls: the handler's own calls are recorded once (operation and parameters, by the thin
    client's observers) and the ones the endpoint must make are replayed as they were, through the same
    client. Any call a
    handler makes beyond those is not in its floor, so it shows in the ratio (and in the call count).
  * Cognito calls (callback, refresh, logout): the same POST to the hosted UI's /oauth2/token or
    /oauth2/revoke, made with urllib as the handler does.
  * /auth/login makes no call at all: its floor is one GetItem, the cheapest round trip the service
    makes, so its row says "login costs less than one DynamoDB read".
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import importlib.util
import json
import os
import sys
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import signin, tasks, theme
from bench.runtime import put_layers_on_path
from bench.stats import ratio, summarize
from kit.dynamodb_calls import DynamoDBCallCounter
from kit.template import http_routes
from local.api_gateway import build_event
from local.lambda_context import LambdaContext

COURSE = "network-like-hyperscaler-foundations"
MODULE = "fabric-operations-welcome"
SECOND_COURSE = "hedgehog-lab-foundations"


@dataclass
class Scenario:
    route_key: str
    event: Callable[[], dict]  # untimed: builds the request (may do setup such as fetching a fresh code)
    expect: int
    must_make: tuple[str, ...]  # the DynamoDB operations the endpoint cannot avoid, in order
    reset: Callable[[], None] = lambda: None  # untimed, before every handler call and every floor call
    cognito: Callable[[], Callable[[], None]] | None = None  # untimed setup returning the timed Cognito call
    floor_note: str = ""
    observe: Callable[[dict], None] = lambda response: None  # untimed, after every handler call
    recorded: list[tuple[str, dict]] = field(default_factory=list)
    handler: Callable | None = None


@functools.cache
def load_handlers() -> dict[str, Callable]:
    """Every function's handler by route key, each function imported once (per process), as its own module."""
    put_layers_on_path()
    modules: dict[str, object] = {}
    handlers = {}
    for route in http_routes():
        path = route.code_uri / "app.py"
        if not path.is_file():
            continue
        if route.function not in modules:
            name = f"hhl_bench_{route.function}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules[route.function] = module
        handlers[route.route_key] = modules[route.function].handler
    return handlers


_ROUTES = {route.route_key: route for route in http_routes()}


def api_event(
    route_key: str, *, path: str | None = None, query: dict | None = None, cookies=None, headers=None, body=None
):
    route = _ROUTES[route_key]
    raw_path = path or route.path
    found = route.pattern.match(raw_path)
    header_list = list((headers or {}).items())
    if cookies:
        header_list.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    return build_event(
        route,
        {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()} if found else {},
        route.method,
        raw_path,
        urllib.parse.urlencode(query or {}),
        header_list,
        json.dumps(body).encode() if body is not None else b"",
    )


def _post_form(url: str, form: dict[str, str], client: tuple[str, str]) -> bytes:
    """The handlers' call: a form POST authenticated with the confidential client's id and secret."""
    basic = base64.b64encode(":".join(map(urllib.parse.quote, client)).encode()).decode()
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "accept": "application/json",
            "authorization": f"Basic {basic}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def code_exchanger(stack: dict) -> Callable[[str, str], dict]:
    """exchange(code, verifier) -> the token endpoint's answer, authenticated as the handlers' app client."""
    env = stack["handler_env"]
    client = (env["COGNITO_CLIENT_ID"], stack.client_secret())

    def exchange(code: str, verifier: str) -> dict:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": env["COGNITO_REDIRECT_URI"],
            "code_verifier": verifier,
            "client_id": env["COGNITO_CLIENT_ID"],
        }
        return json.loads(_post_form(f"{stack['cognito_base_url'].rstrip('/')}/oauth2/token", form, client))

    return exchange


def _get_tokens_from_refresh_token(stack: dict, refresh_token: str) -> dict:
    """The handlers' refresh call, GetTokensFromRefreshToken on the hosted UI stand-in (the /auth/refresh floor)."""
    env = stack["handler_env"]
    body = {"ClientId": env["COGNITO_CLIENT_ID"], "ClientSecret": stack.client_secret(), "RefreshToken": refresh_token}
    request = urllib.request.Request(
        env["COGNITO_API_URL"] + "/",
        data=json.dumps(body).encode(),
        headers={
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["AuthenticationResult"]


# A certificate of the bench user's with a credential of a real credential's size, for the public verify row.
BENCH_CERT_ID = "0b5e1c3a-7d2f-4e8a-9c1b-2f3e4d5a6b7c"


def store_bench_certificate(dynamodb, table: str, user_id: str) -> Callable[[], None]:
    def reset() -> None:
        dynamodb.put_item(
            TableName=table,
            Item={
                "userId": {"S": user_id},
                "certKey": {"S": f"course#{COURSE}"},
                "certId": {"S": BENCH_CERT_ID},
                "title": {"S": "Bench course"},
                "issuedAt": {"S": "2026-01-01T00:00:00.000Z"},
                "credential": {"S": "e30." + "x" * 1400 + "." + "y" * 86},
            },
        )

    return reset


def scenarios(stack: dict, env: dict, tokens: signin.SignedIn, dynamodb, handlers: dict) -> list[Scenario]:
    from hhl.storage.enrollments import enrollment_key
    from hhl.storage.progress import module_key

    user_id = tokens.user_id
    bearer = {"authorization": f"Bearer {tokens.access_token}"}
    origin = env["ALLOWED_ORIGINS"].split(",")[0]
    cognito = stack["cognito_base_url"].rstrip("/")
    client = (env["COGNITO_CLIENT_ID"], stack.client_secret())  # the floors authenticate as the handlers do
    tables = {name: env[f"DYNAMODB_{name.upper()}_TABLE"] for name in ("users", "enrollments", "progress", "badges")}

    def enrollment_item(slug: str) -> dict:
        return {"userId": {"S": user_id}, "enrollmentKey": {"S": enrollment_key("course", slug)}}

    def unenroll(slug: str) -> Callable[[], None]:
        return lambda: dynamodb.delete_item(TableName=tables["enrollments"], Key=enrollment_item(slug))

    def enroll(slug: str) -> Callable[[], None]:
        return lambda: dynamodb.put_item(
            TableName=tables["enrollments"],
            Item={**enrollment_item(slug), "source": {"S": "catalog"}, "enrolledAt": {"S": "2026-01-01T00:00:00Z"}},
        )

    def forget_module() -> None:
        key = {"userId": {"S": user_id}, "moduleKey": {"S": module_key(COURSE, MODULE)}}
        dynamodb.delete_item(TableName=tables["progress"], Key=key)

    def callback_event() -> dict:
        login = handlers["GET /auth/login"](
            api_event("GET /auth/login", query={"return_to": "/learn"}), LambdaContext()
        )
        login_cookies = dict(c.split(";", 1)[0].split("=", 1) for c in login.get("cookies", []))
        query = signin.authorize(login["headers"]["location"], stack)
        return api_event("GET /auth/callback", query=query, cookies=login_cookies)

    def code_exchange() -> dict[str, str]:
        """A token-endpoint form for a fresh authorization code of the demo user's."""
        code, verifier = signin.fresh_code(stack, env["COGNITO_REDIRECT_URI"])
        return {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": env["COGNITO_REDIRECT_URI"],
            "code_verifier": verifier,
            "client_id": env["COGNITO_CLIENT_ID"],
        }

    def callback_floor() -> Callable[[], None]:
        form = code_exchange()
        return lambda: _post_form(f"{cognito}/oauth2/token", form, client)

    # Refresh tokens rotate: each refresh returns the next one, and a retired one is refused 30 s later (and
    # would end the bench user's session). The handler's chain follows its Set-Cookie, the floor's its answer.
    refresh_chain = {"cookie": tokens.refresh_token}
    floor_chain = {"token": json.loads(_post_form(f"{cognito}/oauth2/token", code_exchange(), client))["refresh_token"]}

    def follow_refresh_cookie(response: dict) -> None:
        for cookie in response.get("cookies", []):
            name, _, rest = cookie.partition("=")
            if name == "__Host-hhl_refresh_token" and rest.split(";", 1)[0]:
                refresh_chain["cookie"] = rest.split(";", 1)[0]

    def refresh_floor() -> Callable[[], None]:
        def call() -> None:
            floor_chain["token"] = _get_tokens_from_refresh_token(stack, floor_chain["token"])["RefreshToken"]

        return call

    def new_refresh_token() -> str:
        # Revocation needs a refresh token of its own each time, or it would revoke the bench user's.
        return json.loads(_post_form(f"{cognito}/oauth2/token", code_exchange(), client))["refresh_token"]

    def logout_event() -> dict:
        # A sign-in of its own each time, its cookie naming its session as the callback sets it: sign-out
        # revokes it and records the session as ended.
        cookie = signin.fresh_session_cookie(stack, code_exchanger(stack))
        return api_event("POST /auth/logout", headers={"origin": origin}, cookies={"__Host-hhl_refresh_token": cookie})

    def logout_floor() -> Callable[[], None]:
        form = {"token": new_refresh_token(), "client_id": env["COGNITO_CLIENT_ID"]}
        return lambda: _post_form(f"{cognito}/oauth2/revoke", form, client)

    return [
        Scenario(
            "GET /auth/me",
            lambda: api_event("GET /auth/me", cookies={"__Host-hhl_access_token": tokens.access_token}),
            200,
            ("GetItem",),
        ),
        Scenario(
            "GET /auth/login",
            lambda: api_event("GET /auth/login", query={"return_to": "/learn"}),
            302,
            (),
            floor_note="no network call: floor is one GetItem (the cheapest round trip)",
        ),
        Scenario(
            "GET /auth/callback",
            callback_event,
            302,
            ("UpdateItem",),
            cognito=callback_floor,
            floor_note="code exchange at /oauth2/token + the user upsert",
        ),
        Scenario(
            "POST /auth/refresh",
            lambda: api_event(
                "POST /auth/refresh",
                headers={"origin": origin},
                cookies={"__Host-hhl_refresh_token": refresh_chain["cookie"]},
            ),
            200,
            (),
            cognito=refresh_floor,
            floor_note="GetTokensFromRefreshToken (rotating)",
            observe=follow_refresh_cookie,
        ),
        Scenario(
            "POST /auth/logout",
            logout_event,
            302,
            ("TransactWriteItems",),  # the ended-session marker, standing on "not erased"
            cognito=logout_floor,
            floor_note="token revocation at /oauth2/revoke + the ended-session record",
        ),
        Scenario("GET /enrollments", lambda: api_event("GET /enrollments", headers=bearer), 200, ("Query",)),
        Scenario(
            "POST /enrollments",
            lambda: api_event(
                "POST /enrollments",
                headers={**bearer, "content-type": "application/json"},
                body={"courseSlug": SECOND_COURSE},
            ),
            201,
            ("PutItem",),
            reset=unenroll(SECOND_COURSE),
            floor_note="first enrollment in a course",
        ),
        Scenario(
            "DELETE /enrollments/{courseSlug}",
            lambda: api_event("DELETE /enrollments/{courseSlug}", path=f"/enrollments/{SECOND_COURSE}", headers=bearer),
            204,
            ("DeleteItem",),
            reset=enroll(SECOND_COURSE),
        ),
        Scenario(
            "POST /progress",
            lambda: api_event(
                "POST /progress",
                headers={**bearer, "content-type": "application/json"},
                body={"courseSlug": COURSE, "moduleSlug": MODULE, "event": "completed"},
            ),
            200,
            ("UpdateItem", "PutItem", "Query"),
            reset=forget_module,
            floor_note="first completion of a module (the common path)",
        ),
        Scenario("GET /progress", lambda: api_event("GET /progress", headers=bearer), 200, ("Query",)),
        Scenario(
            "GET /progress/{courseSlug}",
            lambda: api_event("GET /progress/{courseSlug}", path=f"/progress/{COURSE}", headers=bearer),
            200,
            ("Query",),
        ),
        Scenario("GET /badges", lambda: api_event("GET /badges", headers=bearer), 200, ("Query",)),
        Scenario(
            "GET /auth/me/export",
            lambda: api_event("GET /auth/me/export", headers=bearer),
            200,
            ("Query",) * 6 + ("GetItem",) * 2,
            floor_note="one read of every learner table (hhl.storage.learner_records)",
        ),
        Scenario(
            "GET /certificate/{certId}",
            lambda: api_event("GET /certificate/{certId}", path=f"/certificate/{BENCH_CERT_ID}"),
            200,
            ("Query",),
            reset=store_bench_certificate(dynamodb, env["DYNAMODB_CERTIFICATES_TABLE"], user_id),
            floor_note="public verify: one Query of certId-index",
        ),
        *tasks.scenarios(env, user_id, bearer, dynamodb, api_event, Scenario),
        *theme.scenarios(bearer, api_event, Scenario),
    ]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Handlers log (Powertools, EMF metrics) to stdout as in Lambda; keep it off the bench's report."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def _replay(dynamodb, recorded: list[tuple[str, dict]], must_make: tuple[str, ...]) -> Callable[[], None]:
    """The must-make operations, with the parameters the handler used, in order."""
    from hhl.storage.dynamodb_client import DynamoDBError

    remaining = list(recorded)
    calls = []
    for operation in must_make:
        index = next(i for i, (name, _) in enumerate(remaining) if name == operation)
        calls.append(remaining.pop(index))

    def run() -> None:
        for operation, params in calls:
            try:
                dynamodb.call(operation, params)
            except DynamoDBError as exc:  # a failed condition is an answer the endpoint gets too
                if exc.code not in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                    raise

    return run


def measure(stack: dict, tokens: signin.SignedIn, rounds: int) -> dict:
    """Warm latency per endpoint (ms) beside its floor, and the DynamoDB operations each request made."""
    from hhl.storage.dynamodb import client

    dynamodb = client()
    env = stack["handler_env"]
    handlers = load_handlers()
    plan = [s for s in scenarios(stack, env, tokens, dynamodb, handlers) if s.route_key in handlers]
    results: dict[str, dict] = {}

    # Powertools warns when a request added no business metric; most requests here add none, by design.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with quiet_stdout():
        # One untimed request each: warms imports, clients, JWKS; records the DynamoDB calls made.
        for scenario in plan:
            scenario.handler = handlers[scenario.route_key]
            scenario.reset()
            event = scenario.event()
            keep_session_checked(tokens.access_token)
            with DynamoDBCallCounter(dynamodb) as counter:
                response = scenario.handler(event, LambdaContext())
            scenario.observe(response)
            scenario.recorded = counter.requests
            results[scenario.route_key] = {
                "status": response["statusCode"],
                "expected_status": scenario.expect,
                "dynamodb_operations": counter.operations,
                "dynamodb_calls": counter.total,
                "must_make": list(scenario.must_make),
                "floor": scenario.floor_note,
            }
            if not all(op in counter.operations for op in scenario.must_make):
                results[scenario.route_key]["error"] = "the handler did not make the calls its floor replays"
        handler_ms: dict[str, list[float]] = {s.route_key: [] for s in plan}
        floor_ms: dict[str, list[float]] = {s.route_key: [] for s in plan}
        get_item = next((s for s in plan if s.route_key == "GET /auth/me"), None)
        for index in range(rounds):
            for scenario in plan:
                result = results[scenario.route_key]
                if result["status"] != scenario.expect or "error" in result:
                    continue
                # Which of the pair goes first alternates, so neither always follows the other's warm-up.
                for timed in ("handler", "floor") if index % 2 == 0 else ("floor", "handler"):
                    scenario.reset()
                    if timed == "handler":
                        event, context = scenario.event(), LambdaContext()
                        response, elapsed_ms = timed_call(functools.partial(scenario.handler, event, context))
                        handler_ms[scenario.route_key].append(elapsed_ms)
                        scenario.observe(response)
                        if response["statusCode"] != scenario.expect:
                            result["error"] = f"answered {response['statusCode']} in round {index + 1}"
                    else:
                        floor_ms[scenario.route_key].append(timed_call(_floor(scenario, dynamodb, get_item))[1])
            print(f"  warm round {index + 1}/{rounds}", file=sys.stderr, end="\r")
        print(file=sys.stderr)
    for scenario in plan:
        result = results[scenario.route_key]
        result["handler_ms"] = summarize(handler_ms[scenario.route_key])
        result["floor_ms"] = summarize(floor_ms[scenario.route_key])
        result["ratio"] = ratio(result["handler_ms"], result["floor_ms"])
    return results


def timed_call(call: Callable[[], Any]) -> tuple[Any, float]:
    """`call()`'s result and how long it took (ms). The garbage of the untimed setup before it (a callback's
    event signs in through the hosted UI) is collected first: it was collected on the clock of whichever timed
    call came next, mostly the handler's, which allocates more (docs/performance.md)."""
    gc.collect()
    started = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - started) * 1000


def _floor(scenario: Scenario, dynamodb, get_item: Scenario | None) -> Callable[[], None]:
    """The timed floor call(s) for one round; any setup they need happens here, untimed."""
    if not scenario.must_make and scenario.cognito is None:
        return _replay(dynamodb, get_item.recorded, ("GetItem",))
    replay = _replay(dynamodb, scenario.recorded, scenario.must_make)
    if scenario.cognito is None:
        return replay
    cognito = scenario.cognito()

    def both() -> None:
        cognito()
        replay()

    return both


def progress_calls(stack: dict, tokens: signin.SignedIn) -> dict[str, dict]:
    """GET /progress with 1, 10 and 100 courses touched: DynamoDB calls per request must not grow."""
    from hhl.storage.dynamodb import client
    from hhl.storage.progress import module_key

    dynamodb = client()
    handler = load_handlers()["GET /progress"]
    env = stack["handler_env"]
    user_id = tokens.user_id
    event = api_event("GET /progress", headers={"authorization": f"Bearer {tokens.access_token}"})
    # The catalog has few courses; the rest are items of retired courses, which the query reads all the same.
    results = {}
    touched = 0
    for courses in (1, 10, 100):
        while touched < courses:
            for module in range(4):
                dynamodb.put_item(
                    TableName=env["DYNAMODB_PROGRESS_TABLE"],
                    Item={
                        "userId": {"S": user_id},
                        "moduleKey": {"S": module_key(f"bench-course-{touched:03d}", f"module-{module}")},
                        "startedAt": {"S": "2026-01-01T00:00:00Z"},
                        "completedAt": {"S": "2026-01-01T00:10:00Z"},
                        "updatedAt": {"S": "2026-01-01T00:10:00Z"},
                    },
                )
            touched += 1
        response, calls = run_counting_calls(handler, event)
        results[str(courses)] = {"status": response["statusCode"], "dynamodb_calls": calls}
    return results


def keep_session_checked(access_token: str) -> None:
    """A warm container has checked the learner's session within the revocation window (at most one
    BatchGetItem per 30 s per session, hhl.auth.revocation): the recorded request is that common case."""
    from hhl.auth.refresh_cookie import session_of
    from hhl.auth.revocation import ended_sessions
    from hhl.auth.verifier import cognito_verifier

    ended_sessions().ensure_live(session_of(cognito_verifier().verify_access_token(access_token)))


def run_counting_calls(handler, event: dict) -> tuple[dict, int]:
    """The handler's response to `event`, and how many DynamoDB calls it made (its session checked lately, as
    in a warm container: a run that crosses the 30-s re-check must not count it as growth)."""
    from hhl.storage.dynamodb import client

    scheme, _, token = (event.get("headers") or {}).get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        keep_session_checked(token)
    with quiet_stdout(), DynamoDBCallCounter(client()) as counter:
        return handler(event, LambdaContext()), counter.total


def tasks_calls(stack: dict, tokens: signin.SignedIn) -> dict[str, dict]:
    """Quiz submit, /tasks/status and /module/progress with 1, 10 and 100 other modules touched: calls must not grow."""
    from hhl.storage.dynamodb import client

    bearer = {"authorization": f"Bearer {tokens.access_token}"}
    return tasks.calls_as_modules_grow(
        stack["handler_env"], tokens.user_id, bearer, client(), load_handlers(), api_event, run_counting_calls
    )


def theme_calls(stack: dict, tokens: signin.SignedIn) -> dict[str, dict]:
    """/course/status and /pathway/status for courses of 3, 30 and 300 modules: calls must not grow."""
    bearer = {"authorization": f"Bearer {tokens.access_token}"}
    return theme.calls_as_course_grows(bearer, load_handlers(), api_event, run_counting_calls)


def jwt_verification(tokens: signin.SignedIn, verifications: int = 1000) -> dict:
    """Verification time with cached keys, in full and remembered, beside its floor, and how many JWKS fetches
    1,000 verifications cost.

    The floor is what no verifier can skip: the RS256 signature over the token's signing input with the same
    key (cryptography) and the claims read (base64url, JSON), without a single check of their own; it is
    timed alternately with the verifier in the same loop, so a slow spell of the machine slows both.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from hhl.auth import jwks
    from hhl.config import settings

    fetches = 0
    real_fetch = jwks.fetch_jwks

    def counting_fetch(url: str):
        nonlocal fetches
        fetches += 1
        return real_fetch(url)

    jwks.fetch_jwks = counting_fetch
    try:
        from hhl.auth.verifier import TokenVerifier

        config = settings()
        keys = jwks.JwksCache(config.jwks_url)
        verifier = TokenVerifier(config.issuer, config.client_id, keys)
        token = tokens.access_token
        started = time.perf_counter()
        verifier.verify_access_token(token)
        first_verify_us = (time.perf_counter() - started) * 1e6  # includes the one fetch
        public_key = keys.get_key(json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]).key

        def signature_and_claims() -> dict:
            header, payload, signature = token.split(".")
            signing_input = f"{header}.{payload}".encode()
            public_key.verify(
                base64.urlsafe_b64decode(signature + "=="), signing_input, padding.PKCS1v15(), hashes.SHA256()
            )
            return json.loads(base64.urlsafe_b64decode(payload + "=="))

        timings, floor, remembered = [], [], []
        for _ in range(verifications - 1):
            started = time.perf_counter()
            verifier.check_access_token(token)  # every check: a token's first request to a container
            timings.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            signature_and_claims()
            floor.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            verifier.verify_access_token(token)  # its later requests
            remembered.append((time.perf_counter() - started) * 1e6)
    finally:
        jwks.fetch_jwks = real_fetch
    verify_us, floor_us = summarize(timings), summarize(floor)
    return {
        "verify_us": verify_us,
        "floor_us": floor_us,
        "ratio": ratio(verify_us, floor_us),
        "remembered_us": summarize(remembered),
        "first_verify_us": first_verify_us,
        "jwks_fetches": fetches,
        "verifications": verifications,
    }


def prepare_process(env: dict) -> None:
    """This process becomes a Lambda container: the function's environment, before any hhl import."""
    os.environ.update(env)
    put_layers_on_path()
    tasks.use_bench_catalog()
    theme.add_sized_courses()
