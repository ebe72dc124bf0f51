/*
 * hhl.js: the Hedgehog Learn site client for hedgehog.cloud's HubSpot pages.
 *
 * One dependency-free file, no build: upload it to HubSpot's file manager and include it with a
 * script tag; it starts once the page is parsed (docs/site-integration.md). It is a drop-in for
 * the theme's cognito-auth-integration.js: same element, same window.hhIdentity, same hhl:identity
 * event, same data-auth-state toggling and data-* attributes, plus:
 *
 *   - window.hhl: catalog, enrollments, enroll, unenroll, progress, recordProgress, badges, and the
 *     theme's routes (taskStatus, submitQuiz, attestLab, moduleProgress, courseStatus, pathwayStatus),
 *     certificates and what a certificate page needs to share one, exportMyData and deleteMyAccount;
 *   - sessions that last: a 401 triggers one POST /auth/refresh shared by every tab, then one retry;
 *   - writes that belong to a learner: kept in localStorage until the API has answered them, sent
 *     only under the session of the learner who made them, cleared at sign-out;
 *   - three states: "authenticated", "anonymous" and "unknown" (the API could not be asked);
 *   - plain words for ?auth_error=<code>, with a "Sign in again" action;
 *   - a clear report when the page cannot keep a session with the API (cross-site API, origin
 *     not allowed, cookies not kept after sign-in).
 *
 * Tokens live in HttpOnly cookies on the API's host: this script never sees one. Every call is
 * made with credentials: 'include', which is why the API must be same-site with the page.
 */
(function () {
  'use strict';

  if (window.hhl && window.hhl.version) return; // included twice: keep the first instance

  var DEFAULT_API_BASE = 'https://api.hedgehog.cloud'; // what the theme's templates default to
  var OUTBOX_KEY = 'hhl:outbox';
  var LEARNER_KEY = 'hhl:had-session'; // the user id of the session this browser last had; gone at sign-out
  var REFRESHED_KEY = 'hhl:refreshed-at'; // when any tab last refreshed the session (cookies are shared)
  var SIGN_IN_KEY = 'hhl:signing-in';
  var SIGN_OUT_KEY = 'hhl:signed-out'; // sessionStorage: what the sign-out left unsaved, for the page it lands on
  var ROUND_TRIP_MS = 15 * 60 * 1000; // a sign-in or sign-out round trip longer than this is not "just now"
  var OUTBOX_MAX_AGE_MS = 29 * 24 * 3600 * 1000; // the API refuses occurredAt older than 30 days
  var SIGN_OUT_WAIT_MS = 2000;
  var RETRY_MIN_MS = 2000;
  var RETRY_MAX_MS = 60000;

  // The codes /auth/callback redirects with (docs/auth-flow.md); any other code gets the generic words.
  var ERROR_MESSAGES = {
    session_expired: 'Your sign-in expired before it finished. Please sign in again.',
    access_denied: 'Sign-in was cancelled or not allowed.',
    sign_in_failed: 'We could not sign you in. Please try again.',
    service_unavailable: 'Sign-in is temporarily unavailable. Please try again in a few minutes.',
  };
  var GENERIC_ERROR_MESSAGE = 'Something went wrong while signing you in. Please try again.';
  var KEPT_SIGNED_OUT = 'You have been signed out; sign in to save this \u2014 it is kept in this browser.';
  var NOT_SIGNED_IN = 'You are not signed in; sign in to save this.';

  // ------------------------------------------------------------------ configuration
  function contextNode() {
    return document.getElementById('hhl-auth-context');
  }

  function readConfig() {
    var node = contextNode();
    var attr = function (name) {
      return (node && node.getAttribute(name)) || '';
    };
    var meUrl = attr('data-auth-me-url');
    // Theme pages only carry the three auth URLs: the API's base is the /auth/me URL's prefix.
    var apiBase = (attr('data-api-base') || meUrl.replace(/\/auth\/me\/?$/, '') || DEFAULT_API_BASE).replace(/\/+$/, '');
    return {
      apiBase: apiBase,
      meUrl: meUrl || apiBase + '/auth/me',
      loginUrl: attr('data-auth-login-url') || apiBase + '/auth/login',
      logoutUrl: attr('data-auth-logout-url') || apiBase + '/auth/logout',
      refreshUrl: apiBase + '/auth/refresh',
    };
  }

  var config = readConfig();

  // ------------------------------------------------------------------ small helpers
  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }));
  }

  function storage(kind) {
    try {
      return window[kind]; // throws when storage is disabled (some privacy modes)
    } catch (e) {
      return null;
    }
  }

  function readJson(store, key, fallback) {
    try {
      var raw = store && store.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function writeJson(store, key, value) {
    try {
      if (store) store.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the write still goes out, it just cannot be kept */
    }
  }

  function forget(store, key) {
    try {
      if (store) store.removeItem(key);
    } catch (e) {
      /* disabled storage holds nothing to forget */
    }
  }

  function HhlError(code, message, status, body) {
    var error = new Error(message);
    error.name = 'HhlError';
    error.code = code; // network | unavailable | signed_out | forbidden | rejected
    error.status = status || 0;
    error.body = body || null;
    error.queued = false; // true: the write is kept and will be replayed
    return error;
  }

  // The API's answer in one line: its error, then what it says about each field ("details").
  function describe(data, status) {
    var message = (data && data.error) || 'HTTP ' + status;
    var details = data && data.details;
    if (details && typeof details === 'object') {
      details = Object.keys(details)
        .map(function (field) {
          return field + ' ' + (typeof details[field] === 'string' ? details[field] : JSON.stringify(details[field]));
        })
        .join('; ');
    }
    return details ? message + ': ' + details : message;
  }

  // The page's path for return_to: the API allow-lists same-site relative paths only, and an
  // auth_error shown once must not come back after the next sign-in.
  function currentPath() {
    var params = new URLSearchParams(window.location.search);
    params.delete('auth_error');
    var query = params.toString();
    return window.location.pathname + (query ? '?' + query : '');
  }

  // ------------------------------------------------------------------ site check
  // Browsers send SameSite cookies only to an API on the page's own site: same scheme and the
  // same registrable domain. The last two labels approximate the registrable domain (no public
  // suffix list in a small script: "example.co.uk" would look like "co.uk"); IP hosts compare whole.
  function siteOf(url) {
    var parsed = new URL(url, window.location.href);
    var host = parsed.hostname;
    var isIp = /^[\d.]+$/.test(host) || host.indexOf(':') >= 0 || host.charAt(0) === '[';
    var labels = host.split('.');
    return parsed.protocol + '//' + (isIp ? host : labels.slice(-2).join('.'));
  }

  var problem = null;

  function reportProblem(code, message) {
    // A cross-site API is the root cause of everything else that fails: it stays the report.
    if (problem && (problem.code === code || problem.code === 'cross_site_api')) return;
    problem = {
      code: code,
      message: message,
      pageSite: siteOf(window.location.href),
      apiSite: siteOf(config.apiBase),
      apiBase: config.apiBase,
      origin: window.location.origin,
    };
    var node = contextNode();
    if (node) node.setAttribute('data-auth-problem', code);
    console.error('[hhl] ' + message + ' See docs/site-integration.md, "The site client (hhl.js)".');
    emit('hhl:problem', problem);
  }

  function reportOriginRefused() {
    reportProblem('origin_not_allowed', 'The API does not allow this page\'s origin, ' + window.location.origin +
      ': add it to the API\'s AllowedOrigins (HHL_ALLOWED_ORIGINS for the local stack).');
  }

  function checkSameSite() {
    var pageSite = siteOf(window.location.href);
    var apiSite = siteOf(config.apiBase);
    if (pageSite !== apiSite) {
      reportProblem(
        'cross_site_api',
        'This page (' + pageSite + ') and the API (' + config.apiBase + ') are on different sites: ' +
          'browsers will not send the sign-in cookies, so learners will always look signed out. ' +
          'Serve the API on a subdomain of this site (for hedgehog.cloud: https://api.hedgehog.cloud).'
      );
    }
  }

  // A credentialed fetch that fails tells the page nothing: offline, DNS, a refused connection and a
  // CORS refusal all look the same. So ask twice: a CORS request for the public catalog, which fails
  // the same way when this origin is refused, and a no-cors one, which CORS does not apply to. Only
  // the first failing while the second is answered means the API is up and refuses this origin.
  var originProbe = null;

  function probeOrigin() {
    if (!originProbe) {
      var url = config.apiBase + '/catalog';
      var answered = function (mode) {
        return fetch(url, { mode: mode, credentials: 'omit', cache: 'no-store' }).then(
          function () {
            return true;
          },
          function () {
            return false;
          }
        );
      };
      originProbe = answered('cors')
        .then(function (readable) {
          return !readable && answered('no-cors');
        })
        .then(function (refused) {
          if (refused) reportOriginRefused();
          else originProbe = null; // the network's fault: ask again after the next failure
          return refused;
        });
    }
    return originProbe;
  }

  // ------------------------------------------------------------------ identity
  function identityFrom(state, profile) {
    profile = profile || {};
    return {
      state: state, // authenticated | anonymous | unknown
      authenticated: state === 'authenticated',
      email: profile.email || '',
      contactId: profile.hubspotContactId || '',
      userId: profile.userId || '',
      displayName: profile.displayName || profile.email || '',
      firstname: profile.givenName || '',
      lastname: profile.familyName || '',
      _cognitoProfile: state === 'authenticated' ? profile : undefined, // the theme's name for the raw profile
    };
  }

  var identity = null; // null until the first answer (or non-answer) from /auth/me

  function reflectIdentityInPage() {
    var node = contextNode();
    if (node) {
      var set = function (name, value) {
        if (value) node.setAttribute(name, value);
        else node.removeAttribute(name);
      };
      node.setAttribute('data-email', identity.email);
      node.setAttribute('data-contact-id', identity.contactId);
      node.setAttribute('data-user-id', identity.userId);
      node.setAttribute('data-authenticated', identity.authenticated ? 'true' : 'false');
      node.setAttribute('data-auth-status', identity.state);
      set('data-firstname', identity.firstname);
      set('data-lastname', identity.lastname);
    }
    // In the unknown state neither "signed in" nor "signed out" is true: both are hidden, and
    // elements marked data-auth-state="unknown" (e.g. "Can't reach Hedgehog Learn") are shown.
    var nodes = document.querySelectorAll('[data-auth-state]');
    for (var i = 0; i < nodes.length; i++) {
      var wanted = nodes[i].getAttribute('data-auth-state');
      nodes[i].style.display = wanted === identity.state ? '' : 'none';
    }
    var greeting = document.getElementById('auth-user-greeting'); // the theme's left-nav greeting
    if (greeting && identity.authenticated) {
      greeting.textContent = identity.firstname ? 'Hi, ' + identity.firstname + '!' : 'Hi there!';
    }
  }

  function knownLearner() {
    return readJson(storage('localStorage'), LEARNER_KEY, '') || '';
  }

  function setIdentity(next) {
    var changed =
      !identity || identity.state !== next.state || identity.userId !== next.userId || identity.email !== next.email;
    identity = next;
    if (next.authenticated && knownLearner() !== next.userId) writeJson(storage('localStorage'), LEARNER_KEY, next.userId);
    if (next.state === 'anonymous') forget(storage('localStorage'), LEARNER_KEY);
    if (next.authenticated) {
      justSignedOut = false;
      discardOtherLearnersWrites(next.userId);
    }
    if (!changed) return;
    reflectIdentityInPage();
    emit('hhl:identity', identity);
    if (identity.authenticated) flushOutbox();
  }

  // Another tab changed who is signed in. Signed out there (or its session ended): the cookies are gone
  // for this tab too, so it is signed out without asking the API, which could still answer a request
  // that left before the sign-out did. Another learner signed in: nothing is sent until the API has
  // said again who the cookies belong to.
  window.addEventListener('storage', function (event) {
    if (event.key !== LEARNER_KEY || !identity) return;
    if (!event.newValue) signedOut();
    else if (identity.state !== 'unknown' && knownLearner() !== identity.userId) resolveIdentity();
  });

  // ------------------------------------------------------------------ the API call, with one shared refresh
  // Tabs share the cookies, so they share the refresh too: with refresh-token rotation, two tabs sending
  // the same refresh token at once would look like a stolen one. The Web Locks API lets one tab refresh
  // while the others wait; a tab that had to wait retries with the cookies that refresh set, and so does
  // one that finds a refresh newer than its failed request. (Without Web Locks, the API's grace period
  // covers it.)
  var refreshing = null; // this tab's refresh in flight, shared by every caller that got a 401 meanwhile
  var refusedAt = 0; // when this tab's last refresh was refused
  var signingOut = false; // after sign-out the page neither refreshes nor sends
  var justSignedOut = false; // the page a sign-out landed on: no refresh until someone signs in again

  function withRefreshLock(task) {
    var locks = navigator.locks;
    if (!locks || !locks.request) return task(false);
    return locks.request('hhl:refresh', { ifAvailable: true }, function (free) {
      if (free) return task(false);
      return locks.request('hhl:refresh', function () {
        return task(true);
      });
    });
  }

  function postRefresh() {
    return fetch(config.refreshUrl, {
      method: 'POST',
      credentials: 'include',
      headers: { Accept: 'application/json' },
    }).then(
      function (response) {
        if (response.status >= 500) throw HhlError('unavailable', 'Session refresh failed', response.status);
        if (response.ok) writeJson(storage('localStorage'), REFRESHED_KEY, Date.now());
        else refusedAt = Date.now();
        return response.ok;
      },
      function () {
        throw HhlError('network', 'Cannot reach the API');
      }
    );
  }

  function refreshSession(sentAt) {
    if (signingOut || refusedAt >= sentAt) return Promise.resolve(false);
    if (!refreshing) {
      refreshing = withRefreshLock(function (waited) {
        if (waited || readJson(storage('localStorage'), REFRESHED_KEY, 0) > sentAt) return true; // refreshed since
        return postRefresh();
      }).then(
        function (ok) {
          refreshing = null;
          return ok;
        },
        function (error) {
          refreshing = null;
          throw error;
        }
      );
    }
    return refreshing;
  }

  function send(method, url, body) {
    var headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(url, {
      method: method,
      credentials: 'include', // the HttpOnly session cookies; cross-origin writes also carry Origin
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(function () {
      return probeOrigin().then(function (refused) {
        if (refused) throw HhlError('forbidden', 'The API does not allow this page\'s origin, ' + window.location.origin);
        throw HhlError('network', 'Cannot reach the API');
      });
    });
  }

  async function readBody(response) {
    if (response.status === 204) return null;
    try {
      return await response.json();
    } catch (e) {
      return null;
    }
  }

  // A 401 saying the session was signed out (docs/auth-flow.md): a refresh would answer the same.
  function sessionEnded(response) {
    return response
      .clone()
      .json()
      .then(function (data) {
        return !!(data && data.details && data.details.code === 'session_ended');
      })
      .catch(function () {
        return false;
      });
  }

  // One request, with the shared refresh on a 401. Resolves with the Response (any status).
  async function sendWithRefresh(method, url, body) {
    var sentAt = Date.now();
    var response = await send(method, url, body);
    if (response.status === 401 && mayHaveSession() && !(await sessionEnded(response)) &&
      (await refreshSession(sentAt))) {
      response = await send(method, url, body);
    }
    return response;
  }

  async function call(method, url, body) {
    var response = await sendWithRefresh(method, url, body);
    if (response.status === 401) {
      signedOut();
      throw HhlError('signed_out', 'Not signed in', 401, await readBody(response));
    }
    apiAnswered();
    var data = await readBody(response);
    if (response.ok) return data;
    var message = describe(data, response.status);
    if (response.status >= 500) throw HhlError('unavailable', message, response.status, data);
    if (response.status === 403) {
      if (/origin/i.test((data && data.error) || '')) reportOriginRefused();
      throw HhlError('forbidden', message, 403, data);
    }
    throw HhlError('rejected', message, response.status, data);
  }

  function signedOut() {
    if (!identity || identity.state !== 'anonymous') setIdentity(identityFrom('anonymous'));
  }

  // Any answer from the API proves it is reachable: leave the unknown state and send what waits.
  function apiAnswered() {
    if (identity && identity.state === 'unknown') resolveIdentity();
    else if (identity && identity.authenticated && pendingWrites().length && !flushing) flushOutbox();
  }

  // Only a browser that had a session here can hold a refresh cookie: a visitor who never signed in,
  // or who signed out, would cost the API a refresh call on every 401.
  // Without localStorage the page's own identity is all there is to go by.
  function mayHaveSession() {
    if (signingOut || justSignedOut) return false;
    return storage('localStorage') ? !!knownLearner() : !!(identity && identity.authenticated);
  }

  // ------------------------------------------------------------------ who is signed in
  async function askMe() {
    var response = await sendWithRefresh('GET', config.meUrl);
    if (response.status === 401) return identityFrom('anonymous');
    if (!response.ok) throw HhlError('unavailable', 'HTTP ' + response.status, response.status);
    return identityFrom('authenticated', await response.json());
  }

  var resolving = null;

  function resolveIdentity() {
    if (!resolving) {
      resolving = askMe()
        .catch(function () {
          return identityFrom('unknown'); // never "signed out" when we could not ask
        })
        .then(function (next) {
          resolving = null;
          afterSignIn(next);
          setIdentity(next);
          if (next.state === 'unknown') scheduleRetry();
          return next;
        });
    }
    return resolving;
  }

  // A sign-in that completed but left no session the page can use: the cookies went to a host
  // this page's requests do not reach with them (a cross-site API, or blocked third-party cookies).
  function afterSignIn(next) {
    var session = storage('sessionStorage');
    var started = readJson(session, SIGN_IN_KEY, 0);
    if (!started || next.state === 'unknown') return;
    forget(session, SIGN_IN_KEY);
    // Back from the hosted UI without signing in is a back_forward navigation, not a sign-in that failed.
    var navigation = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    var arrived = !navigation || navigation.type === 'navigate';
    var returned = arrived && !authErrorCode && Date.now() - started < ROUND_TRIP_MS;
    if (returned && next.state === 'anonymous') {
      reportProblem('session_not_kept', 'Sign-in completed, but the API still answers "not signed in" to this ' +
        'page: the browser does not send the API\'s cookies from ' + window.location.origin + '.');
    }
  }

  function markSigningIn() {
    writeJson(storage('sessionStorage'), SIGN_IN_KEY, Date.now());
  }

  function login(path) {
    markSigningIn();
    window.location.href = config.loginUrl + '?redirect_url=' + encodeURIComponent(path || currentPath());
    return Promise.resolve();
  }

  // Sign-out clears the browser: the learner's waiting writes get one try (at most two seconds), then
  // whatever was not sent is removed, with the learner id, so the next person at this computer finds
  // nothing. The count of lost changes is told now (hhl:signed-out) and on the page the sign-out lands
  // on (hhl.lastSignOut()), where the learner reads it.
  function signOutTo(url) {
    if (signingOut) return Promise.resolve(lastSignOut);
    var timeout = new Promise(function (resolve) {
      setTimeout(resolve, SIGN_OUT_WAIT_MS);
    });
    var attempt = identity && identity.authenticated ? flushOutbox(true).catch(function () {}) : null;
    return Promise.race([attempt, timeout]).then(function () {
      signingOut = true;
      var report = { unsaved: pendingWrites().length, at: Date.now() };
      clearBrowser();
      writeJson(storage('sessionStorage'), SIGN_OUT_KEY, report);
      lastSignOut = { unsaved: report.unsaved };
      emit('hhl:signed-out', lastSignOut);
      window.location.href = url;
      return lastSignOut;
    });
  }

  function clearBrowser() {
    forget(storage('localStorage'), OUTBOX_KEY);
    forget(storage('localStorage'), LEARNER_KEY);
    forget(storage('localStorage'), REFRESHED_KEY);
    emit('hhl:outbox', { pending: 0 });
  }

  function logout(path) {
    return signOutTo(config.logoutUrl + (path ? '?redirect_url=' + encodeURIComponent(path) : ''));
  }

  var lastSignOut = null;

  function readSignOutReport() {
    var session = storage('sessionStorage');
    var report = readJson(session, SIGN_OUT_KEY, null);
    forget(session, SIGN_OUT_KEY);
    if (report && Date.now() - report.at < ROUND_TRIP_MS) {
      lastSignOut = { unsaved: report.unsaved };
      justSignedOut = true;
      forget(storage('localStorage'), LEARNER_KEY); // in case another tab wrote it back meanwhile
    }
  }

  // The theme's own sign-in and sign-out links (<a href="{{ login_url }}?redirect_url=...">) work like
  // hhIdentity.login and logout: a sign-in is remembered, a sign-out clears the browser first.
  document.addEventListener(
    'click',
    function (event) {
      var link = event.target && event.target.closest && event.target.closest('a[href]');
      if (!link) return;
      if (link.href.indexOf(config.loginUrl) === 0) markSigningIn();
      if (link.href.indexOf(config.logoutUrl) === 0 && !event.defaultPrevented) {
        event.preventDefault();
        signOutTo(link.href);
      }
    },
    true
  );

  // ------------------------------------------------------------------ auth_error from the sign-in redirect
  var authErrorCode = null;
  var authError = null;

  function takeAuthError() {
    var code = new URLSearchParams(window.location.search).get('auth_error');
    if (!code) return;
    authErrorCode = code.slice(0, 64);
    // Shown once: a reload or a bookmark of this URL must not repeat the error.
    history.replaceState(history.state, '', currentPath() + window.location.hash);
  }

  // Only when nobody is signed in: a stale login form submitted again (the Back button) fails, yet the
  // learner is still signed in, and telling them their sign-in expired would be false.
  function showAuthError() {
    if (!authErrorCode || identity.authenticated) return;
    var code = authErrorCode;
    authError = { code: code, message: ERROR_MESSAGES[code] || GENERIC_ERROR_MESSAGE };
    var box = document.querySelector('[data-hhl-auth-error]');
    if (!box) {
      box = document.createElement('div');
      box.setAttribute('data-hhl-auth-error', '');
      box.style.cssText = 'padding:12px 16px;margin:8px;border:1px solid #d9534f;border-radius:6px;background:#fdf2f2;';
      document.body.insertBefore(box, document.body.firstChild);
    }
    box.setAttribute('role', 'alert');
    box.setAttribute('data-code', code);
    box.textContent = authError.message + ' ';
    var again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Sign in again';
    again.addEventListener('click', function () {
      login();
    });
    box.appendChild(again);
    box.hidden = false;
    box.style.display = '';
    emit('hhl:auth-error', authError);
  }

  // ------------------------------------------------------------------ writes that belong to a learner
  // Each write is stored before it is sent and removed once the API has answered it, so a closed
  // tab, a dead network, a 5xx or an expired session leaves it here to be sent later. Writes go
  // out in the order they were made (enroll-then-leave must not become leave-then-enroll); the
  // API is idempotent, so a write sent twice (two tabs, a lost answer) changes nothing.
  //
  // A write carries the id of the learner who made it and is sent only while the API says that
  // learner is signed in; a write made while nobody is signed in is refused, not kept for whoever
  // signs in next. What is stored is the write's kind and fields, never a request: each is rebuilt
  // from checked fields when sent, so an entry this script did not make cannot become a request.
  var SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
  var TASK_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/; // a task slug from completion.json, e.g. "lab-main"
  var TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
  var SOURCES = ['catalog', 'course_page', 'pathway_page'];
  var EVENTS = ['started', 'completed'];

  function isSlug(value) {
    return typeof value === 'string' && value.length <= 100 && SLUG_RE.test(value);
  }

  var WRITES = {
    enroll: function (f) {
      if (isSlug(f.courseSlug) === isSlug(f.pathwaySlug) || (f.source && SOURCES.indexOf(f.source) < 0)) return null;
      var body = f.courseSlug ? { courseSlug: f.courseSlug } : { pathwaySlug: f.pathwaySlug };
      if (f.source) body.source = f.source;
      return { method: 'POST', path: '/enrollments', body: body };
    },
    unenroll: function (f) {
      return isSlug(f.courseSlug) ? { method: 'DELETE', path: '/enrollments/' + f.courseSlug } : null;
    },
    progress: function (f) {
      var ok = isSlug(f.courseSlug) && isSlug(f.moduleSlug) && EVENTS.indexOf(f.event) >= 0 &&
        typeof f.occurredAt === 'string' && TIME_RE.test(f.occurredAt);
      var body = { courseSlug: f.courseSlug, moduleSlug: f.moduleSlug, event: f.event, occurredAt: f.occurredAt };
      return ok ? { method: 'POST', path: '/progress', body: body } : null;
    },
    labAttest: function (f) {
      var ok = isSlug(f.module_slug) && typeof f.task_slug === 'string' && TASK_RE.test(f.task_slug);
      var body = { module_slug: f.module_slug, task_slug: f.task_slug };
      return ok ? { method: 'POST', path: '/tasks/lab/attest', body: body } : null;
    },
  };

  function requestFor(item) {
    var build = item && Object.prototype.hasOwnProperty.call(WRITES, item.kind) && WRITES[item.kind];
    return build && item.fields && typeof item.fields === 'object' ? build(item.fields) : null;
  }

  var waiters = {}; // outbox item id -> {resolve, reject} of the call that made it, in this tab
  var flushing = null;
  var flushAgain = false;
  var retryTimer = null;
  var retryDelay = RETRY_MIN_MS;

  function storedWrites() {
    var items = readJson(storage('localStorage'), OUTBOX_KEY, []);
    return Array.isArray(items) ? items : [];
  }

  function pendingWrites() {
    var now = Date.now();
    return storedWrites().filter(function (item) {
      return !!item && typeof item.userId === 'string' && item.userId && now - item.queuedAt < OUTBOX_MAX_AGE_MS &&
        requestFor(item) !== null;
    });
  }

  function saveOutbox(items, discarded) {
    if (items.length) writeJson(storage('localStorage'), OUTBOX_KEY, items);
    else forget(storage('localStorage'), OUTBOX_KEY);
    emit('hhl:outbox', discarded ? { pending: items.length, discarded: discarded } : { pending: items.length });
  }

  function removeWrite(id) {
    saveOutbox(
      pendingWrites().filter(function (item) {
        return item.id !== id;
      })
    );
  }

  // A learner signed in: writes another learner left here (their session ended before they were sent)
  // can never be sent under this session, and must not stay readable by this learner either.
  function discardOtherLearnersWrites(userId) {
    var stored = storedWrites();
    var mine = pendingWrites().filter(function (item) {
      return item.userId === userId;
    });
    if (mine.length !== stored.length) saveOutbox(mine, stored.length - mine.length);
  }

  // The learner a write made now belongs to: the signed-in one; while the API cannot be asked, the one
  // this browser's session belongs to as far as it knows; nobody when signed out.
  function learnerForWrites() {
    if (!identity || identity.state === 'anonymous' || signingOut) return '';
    return identity.userId || knownLearner();
  }

  function write(kind, fields) {
    var item = {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2),
      kind: kind,
      fields: fields,
      queuedAt: Date.now(),
    };
    if (!requestFor(item)) {
      return Promise.reject(HhlError('rejected', 'Invalid ' + kind + ': ' + JSON.stringify(fields), 0));
    }
    return ready.then(function () {
      item.userId = learnerForWrites();
      if (!item.userId) throw HhlError('signed_out', NOT_SIGNED_IN);
      saveOutbox(pendingWrites().concat([item]));
      return new Promise(function (resolve, reject) {
        waiters[item.id] = { resolve: resolve, reject: reject };
        flushOutbox();
      });
    });
  }

  // Answers the call that made the write, if it still waits in this tab; false when nobody waits
  // (a write kept earlier, or made by another tab or page).
  function settle(id, error, data) {
    var waiter = waiters[id];
    delete waiters[id];
    if (!waiter) return false;
    if (error) waiter.reject(error);
    else waiter.resolve(data);
    return true;
  }

  // A refused origin (status 0: the browser hid the answer) is kept too: it is the site's setting to fix,
  // and once it is fixed the learner's writes go out.
  function retryable(error) {
    return error.code === 'network' || error.code === 'unavailable' || error.code === 'signed_out' ||
      (error.code === 'forbidden' && !error.status) || error.status === 408 || error.status === 429;
  }

  // Leaving a course the learner is no longer in is what they wanted: a retried leave whose first try
  // landed unseen (a 5xx after the write) answers 404, and that is success, not failure.
  function alreadyDone(item, error) {
    return item.kind === 'unenroll' && error.status === 404;
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (identity && identity.state === 'unknown') resolveIdentity();
      else flushOutbox();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  // once: the sign-out's single try (no retry scheduled, nothing kept for later).
  function flushOutbox(once) {
    if (flushing) {
      flushAgain = true;
      return flushing;
    }
    flushing = ready
      .then(function () {
        return sendPendingWrites(once);
      })
      .then(function () {
        flushing = null;
        if (flushAgain && !signingOut) {
          flushAgain = false;
          return flushOutbox(once);
        }
      });
    return flushing;
  }

  function sent(item, request, data) {
    removeWrite(item.id);
    retryDelay = RETRY_MIN_MS;
    if (!settle(item.id, null, data)) {
      emit('hhl:synced', { kind: item.kind, method: request.method, path: request.path, body: request.body, result: data });
    }
  }

  async function sendPendingWrites(once) {
    // Another tab may have changed who the cookies belong to: ask the API before sending anything.
    if (identity && identity.authenticated && knownLearner() !== identity.userId) await resolveIdentity();
    for (;;) {
      var user = identity && identity.authenticated && !signingOut ? identity.userId : '';
      var item = pendingWrites().find(function (candidate) {
        return candidate.userId === user;
      });
      if (!item) break;
      var request = requestFor(item);
      try {
        var data = await call(request.method, config.apiBase + request.path, request.body);
        sent(item, request, data);
      } catch (error) {
        if (alreadyDone(item, error)) {
          sent(item, request, null);
          continue;
        }
        if (!retryable(error)) {
          removeWrite(item.id); // refused for good (bad input): replaying cannot help
          settle(item.id, error);
          continue;
        }
        // Keep this write and everything after it, in order; tell their callers they are kept.
        var waiting = pendingWrites();
        for (var i = 0; i < waiting.length; i++) {
          var words = error.code === 'signed_out' ? KEPT_SIGNED_OUT : error.message;
          var kept = HhlError(error.code, words, error.status, error.body);
          kept.queued = true;
          settle(waiting[i].id, kept);
        }
        if (error.code !== 'signed_out' && !once) scheduleRetry(); // signed out: sent after the next sign-in
        break;
      }
    }
  }

  window.addEventListener('online', function () {
    retryDelay = RETRY_MIN_MS;
    if (identity && identity.state === 'unknown') resolveIdentity();
    else flushOutbox();
  });

  // ------------------------------------------------------------------ the learning API
  function get(path) {
    return ready.then(function () {
      return call('GET', config.apiBase + path);
    });
  }

  function slugPath(slug) {
    return encodeURIComponent(String(slug));
  }

  // A path with its query; parameters left undefined are not sent.
  function withQuery(path, params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (name) {
      if (params[name] !== undefined) query.set(name, String(params[name]));
    });
    return path + '?' + query.toString();
  }

  // ------------------------------------------------------------------ certificates
  // What a certificate page needs to let the learner share a certificate: the page anyone can verify it
  // on, LinkedIn's "Add to profile" form filled in (its documented startTask=CERTIFICATION_NAME link:
  // name, organizationId or organizationName, issueYear, issueMonth, certUrl, certId), and the signed
  // credential as a file (Open Badges 3.0: the compact JWS itself, extension .jwt).
  var CERTIFICATE_PAGE = '/learn/certificate'; // the theme's page: /learn/certificate?id=<certId>
  var ISSUER_NAME = 'Hedgehog Learn';

  function certificateLinks(certificate, options) {
    options = options || {};
    var id = String(certificate.certId);
    var verifyUrl = window.location.origin + (options.pagePath || CERTIFICATE_PAGE) + '?id=' + encodeURIComponent(id);
    var issued = new Date(certificate.issuedAt);
    var linkedIn = new URLSearchParams({ startTask: 'CERTIFICATION_NAME', name: certificate.entityTitle || '' });
    if (options.organizationId) linkedIn.set('organizationId', String(options.organizationId));
    else linkedIn.set('organizationName', options.organizationName || ISSUER_NAME);
    if (!isNaN(issued)) {
      linkedIn.set('issueYear', String(issued.getUTCFullYear()));
      linkedIn.set('issueMonth', String(issued.getUTCMonth() + 1));
    }
    linkedIn.set('certUrl', verifyUrl);
    linkedIn.set('certId', id);
    var links = { verifyUrl: verifyUrl, linkedInUrl: 'https://www.linkedin.com/profile/add?' + linkedIn.toString() };
    if (certificate.credential) {
      links.credentialHref = 'data:text/plain;charset=utf-8,' + encodeURIComponent(certificate.credential);
      links.credentialFileName = 'hedgehog-learn-certificate-' + id + '.jwt';
    }
    return links;
  }

  // ------------------------------------------------------------------ the learner's own data
  // Everything stored about the learner as a file, and deleting the account. The API may ask for a recent
  // sign-in (403 reauthentication_required): the learner then goes through the hosted UI again with
  // prompt=login (a fresh sign-in, not the remembered one) and comes back to this page, where the action
  // runs once more, and only if the same learner signed in within the round trip's window. The result
  // is told with hhl:account {action, result} or {action, error}.
  var ACCOUNT_KEY = 'hhl:account-action'; // sessionStorage, during the round trip: {action, userId, at}

  function saveFile(text, name, type) {
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: type }));
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(URL.revokeObjectURL.bind(URL, link.href), 60000);
  }

  var ACCOUNT_ACTIONS = {
    exportData: function () {
      return call('GET', config.apiBase + '/auth/me/export').then(function (data) {
        var day = new Date().toISOString().slice(0, 10);
        saveFile(JSON.stringify(data, null, 2), 'hedgehog-learn-my-data-' + day + '.json', 'application/json');
        return data;
      });
    },
    deleteAccount: function () {
      return call('DELETE', config.apiBase + '/auth/me').then(function (result) {
        clearBrowser(); // the account is gone: nothing of it stays in this browser either
        setIdentity(identityFrom('anonymous'));
        return result;
      });
    },
  };

  function runAccountAction(action, retried) {
    return ready
      .then(function () {
        if (!identity.authenticated) throw HhlError('signed_out', 'You are not signed in; sign in to do this.');
        return ACCOUNT_ACTIONS[action]();
      })
      .catch(function (error) {
        if (error.status !== 403 || !error.body || error.body.error !== 'reauthentication_required') throw error;
        if (retried) throw HhlError('forbidden', 'Please sign in again to do this.', 403, error.body);
        writeJson(storage('sessionStorage'), ACCOUNT_KEY, { action: action, userId: identity.userId, at: Date.now() });
        markSigningIn();
        window.location.href = config.loginUrl + '?prompt=login&redirect_url=' + encodeURIComponent(currentPath());
        return { reauthenticating: true };
      });
  }

  // Back from the fresh sign-in: the action the learner asked for, once, for that same learner only.
  function resumeAccountAction() {
    var session = storage('sessionStorage');
    var pending = readJson(session, ACCOUNT_KEY, null);
    forget(session, ACCOUNT_KEY);
    if (!pending || !Object.prototype.hasOwnProperty.call(ACCOUNT_ACTIONS, pending.action)) return;
    var tell = function (outcome) {
      emit('hhl:account', Object.assign({ action: pending.action }, outcome));
    };
    var fresh = Date.now() - pending.at < ROUND_TRIP_MS && !authErrorCode;
    if (!fresh || !identity.authenticated || identity.userId !== pending.userId) {
      var words = identity.authenticated && fresh ? 'You signed in as someone else: nothing was done.' :
        'You did not sign in again: nothing was done.';
      tell({ error: { code: 'not_reauthenticated', message: words } });
      return;
    }
    runAccountAction(pending.action, true).then(
      function (result) {
        tell({ result: result });
      },
      function (error) {
        tell({ error: { code: error.code, status: error.status, message: error.message } });
      }
    );
  }

  // A quiz attempt is graded now and counts against the attempt limit: sent once, never kept to be
  // replayed later (the learner would not see that grade, and a replay would spend an attempt).
  function submitQuiz(moduleSlug, answers, quizRef) {
    var list = Array.isArray(answers)
      ? answers
      : Object.keys(answers || {}).map(function (id) {
          return { id: id, value: String(answers[id]) };
        });
    return ready.then(function () {
      if (!learnerForWrites()) throw HhlError('signed_out', NOT_SIGNED_IN);
      var body = { module_slug: moduleSlug, quiz_ref: quizRef || 'quiz-1', answers: list };
      return call('POST', config.apiBase + '/tasks/quiz/submit', body);
    });
  }

  var learning = {
    version: '2',
    config: config,
    /** Public: pathways, courses and modules with titles and order. */
    catalog: function () {
      return call('GET', config.apiBase + '/catalog');
    },
    enrollments: function () {
      return get('/enrollments');
    },
    /** enroll({courseSlug} | {pathwaySlug}, with an optional source: catalog | course_page | pathway_page). */
    enroll: function (what) {
      var fields = what.courseSlug ? { courseSlug: what.courseSlug } : { pathwaySlug: what.pathwaySlug };
      if (what.source) fields.source = what.source;
      return write('enroll', fields);
    },
    unenroll: function (courseSlug) {
      return write('unenroll', { courseSlug: courseSlug });
    },
    /** progress() for every course touched; progress(courseSlug) for one course, every module listed. */
    progress: function (courseSlug) {
      return get(courseSlug ? '/progress/' + slugPath(courseSlug) : '/progress');
    },
    /** event: "started" or "completed". occurredAt is the learner's moment, kept when replayed later. */
    recordProgress: function (courseSlug, moduleSlug, event) {
      var occurredAt = new Date().toISOString();
      return write('progress', { courseSlug: courseSlug, moduleSlug: moduleSlug, event: event, occurredAt: occurredAt });
    },
    badges: function () {
      return get('/badges');
    },
    // The theme's routes (docs/site-integration.md, "The theme's routes"), answering in the contract's
    // snake_case shapes.
    /** {module_slug, module_status, tasks: {<task>: {status, score?, attempts?}}, cert_id?} */
    taskStatus: function (moduleSlug) {
      return get(withQuery('/tasks/status', { module_slug: moduleSlug }));
    },
    /** answers: {questionId: optionId} or [{id, value}]; quizRef defaults to "quiz-1". {score, pass, attempts, module_complete} */
    submitQuiz: submitQuiz,
    /** A kept write, idempotent: {attested, task_slug, module_complete}. taskSlug defaults to "lab-main". */
    attestLab: function (moduleSlug, taskSlug) {
      return write('labAttest', { module_slug: moduleSlug, task_slug: taskSlug || 'lab-main' });
    },
    /** options: {includeAttempts: false} to leave out the attempts, {attemptsLimit: 1..50} (default 20). */
    moduleProgress: function (moduleSlug, options) {
      options = options || {};
      return get(withQuery('/module/progress', {
        module_slug: moduleSlug,
        include_attempts: options.includeAttempts === false ? 'false' : undefined,
        attempts_limit: options.attemptsLimit,
      }));
    },
    /** The learner's certificates, newest first: {certificates: [{certId, entityType, entitySlug, entityTitle, issuedAt}]} */
    certificates: function () {
      return get('/certificates');
    },
    /** Public, no learner data: the certificate and its signed credential; 404 unknown, 410 revoked. */
    certificate: function (certId) {
      return call('GET', config.apiBase + '/certificate/' + slugPath(certId));
    },
    /** {verifyUrl, linkedInUrl, credentialHref?, credentialFileName?} for a certificate from either call. */
    certificateLinks: certificateLinks,
    /** GET /auth/me/export, saved as a .json file; resolves with it, or {reauthenticating: true}. */
    exportMyData: function () {
      return runAccountAction('exportData');
    },
    /** DELETE /auth/me: resolves with what the API did (the browser is cleared), or {reauthenticating: true}. */
    deleteMyAccount: function () {
      return runAccountAction('deleteAccount');
    },
    courseStatus: function (courseSlug) {
      return get(withQuery('/course/status', { course_slug: courseSlug }));
    },
    pathwayStatus: function (pathwaySlug) {
      return get(withQuery('/pathway/status', { pathway_slug: pathwaySlug }));
    },
    /** How many writes wait in this browser, and a way to send them now. */
    pending: function () {
      return pendingWrites().length;
    },
    sync: function () {
      return flushOutbox();
    },
    state: function () {
      return identity ? identity.state : 'unknown';
    },
    problem: function () {
      return problem;
    },
    authError: function () {
      return authError;
    },
    /** {unsaved} when this tab signed out just before this page: how many changes could not be sent. */
    lastSignOut: function () {
      return lastSignOut;
    },
  };

  // ------------------------------------------------------------------ start
  var resolved = false;
  var ready = new Promise(function (resolve) {
    function start() {
      config = readConfig(); // the element may come after this script in the page
      learning.config = config;
      checkSameSite();
      takeAuthError();
      readSignOutReport();
      resolveIdentity().then(function (first) {
        resolved = true;
        resolve(first);
        showAuthError();
        if (lastSignOut) emit('hhl:signed-out', lastSignOut);
        resumeAccountAction();
        var stored = storedWrites().length;
        var pending = pendingWrites();
        if (stored !== pending.length) saveOutbox(pending, stored - pending.length);
        else if (pending.length) emit('hhl:outbox', { pending: pending.length });
      });
    }
    // After the whole page is parsed: the element may come after this script, and the page's own
    // scripts below it must have registered their hhl:* listeners before the first event.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  });

  window.hhIdentity = {
    ready: ready,
    get: function () {
      return identity;
    },
    isAuthenticated: function () {
      return !!(identity && identity.authenticated);
    },
    isReady: function () {
      return resolved;
    },
    login: login,
    logout: logout,
    lastSignOut: learning.lastSignOut,
  };
  // The theme's cognito-auth-integration.js skips itself when it finds this, so both can be listed.
  window.hhCognitoAuth = { __initialized: true, login: login, logout: logout, refresh: resolveIdentity };
  window.hhl = learning;
  learning.identity = window.hhIdentity;
})();
