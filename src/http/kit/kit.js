// What every Switchboard page shares: sign-in, API calls, the live WebSocket, announcement
// banners and first-party usage reports. Vanilla JS, same origin only; every text from a caller,
// a client or an admin is written with textContent, never as HTML.
'use strict';
window.SB = (function () {
  var TOKEN_KEY = 'sb.token';
  var token = sessionStorage.getItem(TOKEN_KEY) || '';
  var $ = function (id) { return document.getElementById(id); };

  function text(el, value) { el.textContent = value == null ? '' : String(value); return el; }
  function el(tag, value, className) {
    var e = document.createElement(tag);
    if (value != null) text(e, value);
    if (className) e.className = className;
    return e;
  }
  function secs(ms) { var s = Math.max(0, Math.round(ms / 1000)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }

  /** An API call with the session token; throws an Error with the API's message (and `.status`, `.code`). */
  async function api(method, path, body) {
    var res = await fetch(path, {
      method: method,
      headers: Object.assign({ authorization: 'Bearer ' + token }, body !== undefined ? { 'content-type': 'application/json' } : {}),
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (res.status === 204) return null;
    var data = await res.json().catch(function () { return null; });
    if (!res.ok) {
      var err = new Error((data && data.error && data.error.message) || ('HTTP ' + res.status));
      err.status = res.status;
      err.code = data && data.error && data.error.code;
      if (res.status === 401) signOut();
      throw err;
    }
    return data;
  }

  var onSignedIn = null;
  var onSignedOut = [];

  /**
   * Wires the page's sign-in form (ids: login, login-form, email, password, login-error, app) and
   * calls `signedIn(user)` once a session is valid (at load when one is kept in sessionStorage).
   */
  function signIn(signedIn) {
    onSignedIn = signedIn;
    $('login-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      text($('login-error'), '');
      try {
        var res = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: $('email').value, password: $('password').value }) });
        var data = await res.json().catch(function () { return {}; });
        if (!res.ok) throw new Error((data.error && data.error.message) || 'Sign-in failed.');
        token = data.token;
        sessionStorage.setItem(TOKEN_KEY, token);
        $('password').value = '';
        await start();
      } catch (err) { text($('login-error'), err.message); }
    });
    if (token) void start();
  }

  async function start() {
    var me;
    try { me = await api('GET', '/api/auth/me'); } catch (err) { return signOut(); }
    $('login').hidden = true;
    $('app').hidden = false;
    if (onSignedIn) await onSignedIn((me && me.user) || null);
  }

  function signOut() {
    if (token) void fetch('/api/auth/logout', { method: 'POST', headers: { authorization: 'Bearer ' + token } }).catch(function () {});
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    onSignedOut.forEach(function (f) { try { f(); } catch (e) { /* a page's clean-up must not stop sign-out */ } });
    if ($('login')) $('login').hidden = false;
    if ($('app')) $('app').hidden = true;
  }

  /**
   * The live WebSocket (`/api/live`) of whole snapshots: reconnects with backoff, so a page
   * that comes back is always right. `onMessage(msg)`; `onLink(up)` for an online/offline badge.
   */
  function live(onMessage, onLink) {
    var socket = null;
    var retry = 500;
    var stopped = false;
    function connect() {
      if (!token || stopped) return;
      var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/live';
      socket = new WebSocket(url, ['switchboard.live', 'bearer.' + token]);
      socket.onopen = function () { retry = 500; if (onLink) onLink(true); };
      socket.onmessage = function (ev) {
        var msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        onMessage(msg);
      };
      socket.onclose = function () {
        if (onLink) onLink(false);
        socket = null;
        if (!token || stopped) return;
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      };
    }
    onSignedOut.push(function () { stopped = true; if (socket) socket.close(); });
    connect();
    return { close: function () { stopped = true; if (socket) socket.close(); } };
  }

  /** Shows announcements (`[{id, text, level, endsAt}]`) in the element with id `announcements`. */
  function showAnnouncements(list) {
    var box = $('announcements');
    if (!box) return;
    box.replaceChildren();
    (list || []).forEach(function (a) {
      var banner = el('div', null, 'announcement ' + (a.level === 'warning' ? 'warning' : 'info'));
      banner.setAttribute('role', 'status');
      banner.dataset.id = a.id;
      banner.appendChild(el('span', a.text));
      if (a.endsAt) banner.appendChild(el('small', ' (until ' + when(a.endsAt) + ')'));
      box.appendChild(banner);
    });
    box.hidden = !list || list.length === 0;
  }

  /** Reads the announcements meant for this user now, and again every minute. */
  function pollAnnouncements() {
    async function once() {
      if (!token) return;
      try { showAnnouncements((await api('GET', '/api/announcements')).announcements); } catch (e) { /* shown again on the next poll */ }
    }
    void once();
    var timer = setInterval(once, 60000);
    onSignedOut.push(function () { clearInterval(timer); showAnnouncements([]); });
    return once;
  }

  /** First-party usage report: which page, which action (no third-party tracker). Never throws. */
  function used(app, action) {
    if (!token) return;
    void fetch('/api/usage', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
      body: JSON.stringify({ app: app, action: action }),
      keepalive: true,
    }).catch(function () {});
  }

  return { $: $, text: text, el: el, secs: secs, when: when, api: api, signIn: signIn, signOut: signOut, live: live, showAnnouncements: showAnnouncements, pollAnnouncements: pollAnnouncements, used: used, get token() { return token; } };
})();
