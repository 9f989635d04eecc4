/*! Threadline web-view collector. No dependencies, no build: served as written at GET /collector.js.
 * Threadline.init({token, endpoint?, onError?}); step(name, props?); exit(reason?); escalate(reason?); complete(result?).
 * Every event has its own id, so a retry (or a beacon and a later flush of the same queue) is stored once. */
/* global window, document, location, history, navigator, fetch, atob, CustomEvent */
(function (w, d) {
  'use strict';
  var BATCH = 50; // the collect endpoint's limit per request
  var DEBOUNCE_MS = 250; // events of one interaction go together
  var BASE_MS = 1000;
  var MAX_MS = 60000;
  var MAX_QUEUE = 500; // past this the oldest are dropped: a page offline for hours must not fill localStorage
  var script = d.currentScript && d.currentScript.src;
  var cfg = null;
  var key = '';
  var st = null; // {q: events not yet acknowledged, opened, done, auto, step, idx}
  var timer = 0;
  var delay = BASE_MS;
  var sending = false;
  var stopped = false; // after a 401/403: nothing is sent until init() is given a new token
  var beaconed = '';

  function uuid() {
    var c = w.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = '';
    for (var j = 0; j < 16; j++) h += (b[j] + 256).toString(16).slice(1) + (j === 3 || j === 5 || j === 7 || j === 9 ? '-' : '');
    return h;
  }

  // The token's claims are readable (only the signature is secret): state is kept per hand-off (one run of the flow),
  // under a prefix per journey and web view, so a fresh hand-off of the same web view sends what an expired one could not.
  function claimsOf(token) {
    try {
      return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    } catch {
      return {};
    }
  }

  function load() {
    try {
      return JSON.parse(w.localStorage.getItem(key)) || null;
    } catch {
      return null;
    }
  }

  // Queues left by earlier hand-offs of this web view (a token that expired offline) go out with this one.
  function adopt(prefix) {
    try {
      var ls = w.localStorage;
      var have = {};
      for (var i = 0; i < st.q.length; i++) have[st.q[i].id] = 1;
      for (var j = ls.length - 1; j >= 0; j--) {
        var k = ls.key(j);
        if (k === key || k.indexOf(prefix) !== 0) continue;
        var old = JSON.parse(ls.getItem(k));
        ls.removeItem(k);
        var q = (old && old.q) || [];
        st.q = q.filter(function (e) {
          return !have[e.id];
        }).concat(st.q);
      }
    } catch {
      /* nothing to adopt */
    }
  }

  function save() {
    try {
      w.localStorage.setItem(key, JSON.stringify(st));
    } catch {
      /* private mode or full: the queue lives in memory only */
    }
  }

  // The hand-off puts the token in the fragment (never sent to a server); it is taken out of the address at once,
  // so that nothing reading location.href later (a share button, another script) sees it.
  function tokenFromHash() {
    var m = /(^#|&)tl_token=([^&]*)/.exec(location.hash);
    if (!m) return null;
    var rest = location.hash.replace(m[0], m[1] === '#' ? '#' : '').replace(/^#&/, '#');
    try {
      history.replaceState(history.state, '', location.pathname + location.search + (rest === '#' ? '' : rest));
    } catch {
      /* sandboxed */
    }
    return decodeURIComponent(m[2]);
  }

  function report(status, problem, count) {
    var detail = { status: status, code: (problem && problem.code) || 'network_error', detail: (problem && problem.detail) || '', events: count, queued: st ? st.q.length : 0 };
    if (cfg && cfg.onError) {
      try {
        cfg.onError(detail);
      } catch {
        /* the page's handler must not stop the collector */
      }
    }
    try {
      w.dispatchEvent(new CustomEvent('threadline:error', { detail: detail }));
    } catch {
      /* no CustomEvent */
    }
  }

  function schedule(ms) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }

  function payload(events) {
    return JSON.stringify({ token: cfg.token, sent_at: new Date().toISOString(), events: events });
  }

  function acknowledge(batch) {
    var sent = {};
    for (var i = 0; i < batch.length; i++) sent[batch[i].id] = 1;
    st.q = st.q.filter(function (e) {
      return !sent[e.id];
    });
    save();
  }

  function backoff(retryAfter) {
    delay = Math.min(delay * 2, MAX_MS);
    schedule(retryAfter > 0 ? retryAfter * 1000 : delay / 2 + Math.random() * (delay / 2));
  }

  function flush() {
    if (!st || sending || stopped || !st.q.length) return;
    if (navigator.onLine === false) return; // 'online' flushes
    var batch = st.q.slice(0, BATCH);
    sending = true;
    // text/plain: a simple request, no preflight; the server reads it as JSON.
    fetch(cfg.endpoint, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: payload(batch), credentials: 'omit', keepalive: true })
      .then(function (r) {
        sending = false;
        if (r.ok) {
          delay = BASE_MS;
          acknowledge(batch);
          if (st.q.length) schedule(0);
          return;
        }
        return r
          .json()
          .catch(function () {
            return null;
          })
          .then(function (p) {
            if (r.status === 401 || r.status === 403) {
              // Retrying cannot help: keep every event for a new token and tell the page, once.
              stopped = true;
              report(r.status, p, batch.length);
            } else if (r.status === 400 || r.status === 413 || r.status === 415) {
              // This batch can never be accepted: drop it, say so, and go on with the rest.
              acknowledge(batch);
              report(r.status, p, batch.length);
              if (st.q.length) schedule(0);
            } else backoff(Number(r.headers.get('Retry-After')) || 0);
          });
      })
      .catch(function () {
        sending = false;
        backoff(0);
      });
  }

  function push(type, fields) {
    if (!st) return false;
    var e = { id: uuid(), type: type, at: new Date().toISOString() };
    for (var k in fields) if (fields[k] !== undefined && fields[k] !== null) e[k] = fields[k];
    st.q.push(e);
    if (st.q.length > MAX_QUEUE) st.q.splice(0, st.q.length - MAX_QUEUE);
    save();
    schedule(DEBOUNCE_MS);
    return true;
  }

  function text(v) {
    return v === undefined || v === null ? undefined : String(v);
  }

  // Exit intent: the page is going away (or hidden, which on a phone may be the last thing it sees). The exit is
  // queued like any event and the queue goes out by beacon; it stays queued until a later flush is acknowledged,
  // and the server keeps each event once.
  function leaving() {
    if (!st) return;
    if (!st.done) {
      push('exit', { name: st.step, reason: 'page_hidden' });
      st.done = true;
      st.auto = true;
      save();
    }
    clearTimeout(timer);
    var batch = st.q.slice(0, BATCH);
    var ids = batch.map(function (e) {
      return e.id;
    }).join();
    // visibilitychange and pagehide both fire on the way out: one beacon for the same events is enough.
    if (stopped || !batch.length || !navigator.sendBeacon || ids === beaconed) return;
    beaconed = ids;
    try {
      navigator.sendBeacon(cfg.endpoint, payload(batch));
    } catch {
      /* the queue is kept */
    }
  }

  var api = {
    init: function (o) {
      o = o || {};
      var token = o.token || tokenFromHash();
      if (!token) throw new Error('Threadline.init: no token (pass {token} or open the page with #tl_token=...)');
      var c = claimsOf(token);
      cfg = { token: token, onError: o.onError, endpoint: o.endpoint || new URL('/api/v2/collect', script || location.href).toString() };
      var prefix = 'threadline:' + (c.guid || '') + ':' + (c.webview_id || '') + ':';
      // init() again in the same page with a fresh token: the same run goes on.
      var same = st && key.indexOf(prefix) === 0 ? st : null;
      key = prefix + (c.jti || token.slice(-16));
      st = same || load() || { q: [], opened: false, done: false, auto: false, step: null, idx: 0 };
      adopt(prefix);
      save();
      stopped = false;
      delay = BASE_MS;
      if (!st.opened) {
        st.opened = true;
        push('open', { url: location.origin + location.pathname });
      } else schedule(0);
      return api;
    },
    step: function (name, props) {
      if (!st) return false;
      // Back after an automatic exit: the flow goes on, and a later exit intent is sent again.
      if (st.auto) st.done = st.auto = false;
      st.step = String(name);
      return push('step', { name: st.step, index: st.idx++, props: props });
    },
    exit: function (reason) {
      if (!st || (st.done && !st.auto)) return false;
      st.done = true;
      st.auto = false;
      return push('exit', { name: st.step, reason: text(reason) });
    },
    escalate: function (reason) {
      return !!st && push('escalate', { name: st.step, reason: text(reason) });
    },
    complete: function (result) {
      if (!st || (st.done && !st.auto)) return false;
      st.done = true;
      st.auto = false;
      return push('complete', { result: text(result) });
    },
    /** Events not yet acknowledged by the server. */
    pending: function () {
      return st ? st.q.length : 0;
    },
    flush: flush,
  };

  w.addEventListener('online', function () {
    delay = BASE_MS;
    flush();
  });
  w.addEventListener('pagehide', leaving);
  d.addEventListener('visibilitychange', function () {
    if (d.visibilityState === 'hidden') leaving();
    else flush();
  });
  w.Threadline = api;
})(window, document);
