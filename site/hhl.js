/*
 * hhl.js: the Hedgehog Learn site client for hedgehog.cloud's HubSpot pages.
 *
 * One dependency-free file, no build: upload it to HubSpot's file manager and include it with a
 * script tag; it starts once the page is parsed (docs/site-integration.md). It is a drop-in for
 * the theme's cognito-auth-integration.js: same element, same window.hhIdentity, same hhl:identity
 * event, same data-auth-state toggling and data-* attributes, plus:
 *
 *   - window.hhl: catalog, enrollments, enroll, unenroll, progress, recordProgress, badges;
 *   - sessions that last: a 401 triggers one shared POST /auth/refresh, then one retry;
 *   - writes that are never lost: each is kept in localStorage until the API has answered it;
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
  var SESSION_HINT_KEY = 'hhl:had-session';
  var SIGN_IN_KEY = 'hhl:signing-in';
  var SIGN_IN_WINDOW_MS = 15 * 60 * 1000; // a sign-in round trip longer than this is not "just now"
  var OUTBOX_MAX_AGE_MS = 29 * 24 * 3600 * 1000; // the API refuses occurredAt older than 30 days
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

  function HhlError(code, message, status, body) {
    var error = new Error(message);
    error.name = 'HhlError';
    error.code = code; // network | unavailable | signed_out | forbidden | rejected
    error.status = status || 0;
    error.body = body || null;
    error.queued = false; // true: the write is kept and will be replayed
    return error;
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
    if (problem && problem.code === code) return;
    problem = {
      code: code,
      message: message,
      pageSite: siteOf(window.location.href),
      apiSite: siteOf(config.apiBase),
      apiBase: config.apiBase,
    };
    var node = contextNode();
    if (node) node.setAttribute('data-auth-problem', code);
    console.error('[hhl] ' + message + ' See docs/site-integration.md, "The site client (hhl.js)".');
    emit('hhl:problem', problem);
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

  function setIdentity(next) {
    var changed =
      !identity || identity.state !== next.state || identity.userId !== next.userId || identity.email !== next.email;
    identity = next;
    if (next.authenticated) writeJson(storage('localStorage'), SESSION_HINT_KEY, next.userId);
    if (next.state === 'anonymous') {
      var local = storage('localStorage');
      if (local) local.removeItem(SESSION_HINT_KEY);
    }
    if (!changed) return;
    reflectIdentityInPage();
    emit('hhl:identity', identity);
    if (identity.authenticated) flushOutbox();
  }

  // ------------------------------------------------------------------ the API call, with one shared refresh
  var refreshing = null; // the refresh in flight, shared by every caller that got a 401 meanwhile
  var refreshGeneration = 0; // bumped when a refresh ends; a 401 to a request sent before it just retries
  var lastRefreshOk = false;

  function refreshSession(sentAtGeneration) {
    if (sentAtGeneration !== refreshGeneration) return Promise.resolve(lastRefreshOk);
    if (!refreshing) {
      refreshing = fetch(config.refreshUrl, {
        method: 'POST',
        credentials: 'include',
        headers: { Accept: 'application/json' },
      })
        .then(
          function (response) {
            if (response.status === 403) {
              reportProblem('origin_not_allowed', 'The API refused this page\'s origin (' + window.location.origin +
                '): add it to the API\'s AllowedOrigins.');
            }
            if (response.status >= 500) throw HhlError('unavailable', 'Session refresh failed', response.status);
            return response.ok;
          },
          function () {
            throw HhlError('network', 'Cannot reach the API');
          }
        )
        .then(
          function (ok) {
            lastRefreshOk = ok;
            refreshGeneration++;
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
      // A TypeError: offline, DNS, a refused connection or a CORS refusal; the page cannot tell which.
      throw HhlError('network', 'Cannot reach the API');
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

  async function call(method, url, body) {
    var generation = refreshGeneration;
    var response = await send(method, url, body);
    if (response.status === 401) {
      if (mayHaveSession() && (await refreshSession(generation))) response = await send(method, url, body);
      if (response.status === 401) {
        signedOut();
        throw HhlError('signed_out', 'Not signed in', 401, await readBody(response));
      }
    }
    apiAnswered();
    var data = await readBody(response);
    if (response.ok) return data;
    var message = (data && data.error) || 'HTTP ' + response.status;
    if (response.status >= 500) throw HhlError('unavailable', message, response.status, data);
    if (response.status === 403) {
      reportProblem('origin_not_allowed', 'The API refused a write from this page\'s origin (' +
        window.location.origin + '): add it to the API\'s AllowedOrigins.');
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

  // Only a browser that had a session here can hold a refresh cookie: a visitor who never signed in
  // (or whose refresh was refused) would cost the API a refresh call on every 401.
  function mayHaveSession() {
    return !!((identity && identity.authenticated) || readJson(storage('localStorage'), SESSION_HINT_KEY, null));
  }

  // ------------------------------------------------------------------ who is signed in
  async function askMe() {
    var generation = refreshGeneration;
    var response = await send('GET', config.meUrl);
    if (response.status === 401 && mayHaveSession()) {
      if (await refreshSession(generation)) response = await send('GET', config.meUrl);
    }
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
    session.removeItem(SIGN_IN_KEY);
    // Back from the hosted UI without signing in is a back_forward navigation, not a sign-in that failed.
    var navigation = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    var arrived = !navigation || navigation.type === 'navigate';
    var returned = arrived && !authError && Date.now() - started < SIGN_IN_WINDOW_MS;
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

  // Sends what is still waiting first (a sign-out must not strand a learner's last progress),
  // but never holds the learner for more than two seconds.
  function logout(path) {
    var url = config.logoutUrl + (path ? '?redirect_url=' + encodeURIComponent(path) : '');
    var timeout = new Promise(function (resolve) {
      setTimeout(resolve, 2000);
    });
    return Promise.race([flushOutbox().catch(function () {}), timeout]).then(function () {
      window.location.href = url;
    });
  }

  // The theme's own sign-in links (<a href="{{ login_url }}?redirect_url=...">) count as sign-ins too.
  document.addEventListener(
    'click',
    function (event) {
      var link = event.target && event.target.closest && event.target.closest('a[href]');
      if (link && link.href.indexOf(config.loginUrl) === 0) markSigningIn();
    },
    true
  );

  // ------------------------------------------------------------------ auth_error from the sign-in redirect
  var authError = null;

  function showAuthError() {
    var code = new URLSearchParams(window.location.search).get('auth_error');
    if (!code) return;
    code = code.slice(0, 64);
    authError = { code: code, message: ERROR_MESSAGES[code] || GENERIC_ERROR_MESSAGE };
    // Shown once: a reload or a bookmark of this URL must not repeat the error.
    history.replaceState(history.state, '', currentPath() + window.location.hash);

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

  // ------------------------------------------------------------------ writes that are never lost
  // Each write is stored before it is sent and removed once the API has answered it, so a closed
  // tab, a dead network, a 5xx or an expired session leaves it here to be sent later. Writes go
  // out in the order they were made (enroll-then-leave must not become leave-then-enroll); the
  // API is idempotent, so a write sent twice (two tabs, a lost answer) changes nothing.
  var waiters = {}; // outbox item id -> {resolve, reject} of the call that made it, in this tab
  var flushing = null;
  var flushAgain = false;
  var retryTimer = null;
  var retryDelay = RETRY_MIN_MS;

  function pendingWrites() {
    var now = Date.now();
    return readJson(storage('localStorage'), OUTBOX_KEY, []).filter(function (item) {
      return now - item.queuedAt < OUTBOX_MAX_AGE_MS;
    });
  }

  function saveOutbox(items) {
    writeJson(storage('localStorage'), OUTBOX_KEY, items);
    emit('hhl:outbox', { pending: items.length });
  }

  function removeWrite(id) {
    saveOutbox(
      pendingWrites().filter(function (item) {
        return item.id !== id;
      })
    );
  }

  function write(method, path, body) {
    var item = {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2),
      method: method,
      path: path,
      body: body,
      // A write made while signed out (an expired session) may only replay for the same learner.
      userId: (identity && identity.userId) || readJson(storage('localStorage'), SESSION_HINT_KEY, '') || '',
      queuedAt: Date.now(),
    };
    saveOutbox(pendingWrites().concat([item]));
    return new Promise(function (resolve, reject) {
      waiters[item.id] = { resolve: resolve, reject: reject };
      flushOutbox();
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

  function retryable(error) {
    return error.code === 'network' || error.code === 'unavailable' || error.code === 'signed_out' ||
      error.status === 408 || error.status === 429;
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

  function flushOutbox() {
    if (flushing) {
      flushAgain = true;
      return flushing;
    }
    flushing = ready
      .then(sendPendingWrites)
      .then(function () {
        flushing = null;
        if (flushAgain) {
          flushAgain = false;
          return flushOutbox();
        }
      });
    return flushing;
  }

  async function sendPendingWrites() {
    var skipped = {};
    for (;;) {
      var user = identity && identity.userId;
      var item = pendingWrites().find(function (candidate) {
        return !skipped[candidate.id];
      });
      if (!item) break;
      if (item.userId && user && item.userId !== user) {
        skipped[item.id] = true; // another learner's write: kept for when they sign in here again
        continue;
      }
      try {
        var data = await call(item.method, config.apiBase + item.path, item.body);
        removeWrite(item.id);
        retryDelay = RETRY_MIN_MS;
        if (!settle(item.id, null, data)) {
          emit('hhl:synced', { method: item.method, path: item.path, body: item.body, result: data });
        }
      } catch (error) {
        if (!retryable(error)) {
          removeWrite(item.id); // refused for good (bad input): replaying cannot help
          settle(item.id, error);
          continue;
        }
        // Keep this write and everything after it, in order; tell their callers they are kept.
        var waiting = pendingWrites();
        for (var i = 0; i < waiting.length; i++) {
          var kept = HhlError(error.code, error.message, error.status, error.body);
          kept.queued = true;
          settle(waiting[i].id, kept);
        }
        if (error.code !== 'signed_out') scheduleRetry(); // signed out: sent after the next sign-in
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

  var learning = {
    version: '1',
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
      var body = {};
      if (what.courseSlug) body.courseSlug = what.courseSlug;
      if (what.pathwaySlug) body.pathwaySlug = what.pathwaySlug;
      if (what.source) body.source = what.source;
      return write('POST', '/enrollments', body);
    },
    unenroll: function (courseSlug) {
      return write('DELETE', '/enrollments/' + slugPath(courseSlug));
    },
    /** progress() for every course touched; progress(courseSlug) for one course, every module listed. */
    progress: function (courseSlug) {
      return get(courseSlug ? '/progress/' + slugPath(courseSlug) : '/progress');
    },
    /** event: "started" or "completed". occurredAt is the learner's moment, kept when replayed later. */
    recordProgress: function (courseSlug, moduleSlug, event) {
      return write('POST', '/progress', {
        courseSlug: courseSlug,
        moduleSlug: moduleSlug,
        event: event,
        occurredAt: new Date().toISOString(),
      });
    },
    badges: function () {
      return get('/badges');
    },
    /** How many writes wait in this browser, and a way to send them now. */
    pending: function () {
      return pendingWrites().length;
    },
    sync: flushOutbox,
    state: function () {
      return identity ? identity.state : 'unknown';
    },
    problem: function () {
      return problem;
    },
    authError: function () {
      return authError;
    },
  };

  // ------------------------------------------------------------------ start
  var resolved = false;
  var ready = new Promise(function (resolve) {
    function start() {
      config = readConfig(); // the element may come after this script in the page
      learning.config = config;
      checkSameSite();
      showAuthError();
      resolveIdentity().then(function (first) {
        resolved = true;
        resolve(first);
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
  };
  // The theme's cognito-auth-integration.js skips itself when it finds this, so both can be listed.
  window.hhCognitoAuth = { __initialized: true, login: login, logout: logout, refresh: resolveIdentity };
  window.hhl = learning;
  learning.identity = window.hhIdentity;
})();
