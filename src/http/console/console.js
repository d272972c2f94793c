// The receptionist console: vanilla JS, same origin only. Every text that comes from a caller or a
// client is written with textContent, never as HTML.
'use strict';
(function () {
  var token = sessionStorage.getItem('sb.token') || '';
  var user = null;
  var snapshot = null;
  var socket = null;
  var retry = 500;
  var $ = function (id) { return document.getElementById(id); };

  function text(el, value) { el.textContent = value == null ? '' : String(value); }
  function cell(row, value) { var td = document.createElement('td'); text(td, value); row.appendChild(td); }
  function secs(ms) { var s = Math.max(0, Math.round(ms / 1000)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
  function showError(id, message) { text($(id), message); }

  async function api(method, path, body) {
    var res = await fetch(path, {
      method: method,
      headers: Object.assign({ authorization: 'Bearer ' + token }, body ? { 'content-type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    var data = await res.json().catch(function () { return null; });
    if (!res.ok) throw new Error((data && data.error && data.error.message) || ('HTTP ' + res.status));
    return data;
  }

  async function login(ev) {
    ev.preventDefault();
    showError('login-error', '');
    try {
      var res = await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: $('email').value, password: $('password').value }) });
      var data = await res.json();
      if (!res.ok) throw new Error((data.error && data.error.message) || 'Sign-in failed.');
      token = data.token;
      sessionStorage.setItem('sb.token', token);
      $('password').value = '';
      await start();
    } catch (err) { showError('login-error', err.message); }
  }

  async function start() {
    try { user = (await api('GET', '/api/auth/me')).user || null; } catch (err) { return signOut(); }
    $('login').hidden = true;
    $('app').hidden = false;
    text($('who'), user ? (user.name || user.email) + ' (' + user.role + ')' : 'service');
    connect();
  }

  function signOut() {
    token = '';
    sessionStorage.removeItem('sb.token');
    if (socket) socket.close();
    socket = null;
    $('login').hidden = false;
    $('app').hidden = true;
  }

  // The token rides as a subprotocol: browsers cannot set headers on a WebSocket.
  function connect() {
    if (!token) return;
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/live';
    socket = new WebSocket(url, ['switchboard.live', 'bearer.' + token]);
    socket.onopen = function () { retry = 500; text($('link'), 'live'); $('link').className = 'link up'; };
    socket.onmessage = function (ev) {
      var msg = JSON.parse(ev.data);
      if (msg.type === 'snapshot') { snapshot = msg; render(); }
      else if (msg.type === 'screen-pop') { $('call').className = 'ringing'; }
    };
    socket.onclose = function () {
      text($('link'), 'reconnecting'); $('link').className = 'link';
      if (!token) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  function fill(tbodyId, rows, cells) {
    var body = $(tbodyId);
    body.replaceChildren();
    rows.forEach(function (r) { var tr = document.createElement('tr'); cells(r).forEach(function (v) { cell(tr, v); }); body.appendChild(tr); });
  }

  function presenceText(p) { return p.kind === 'paused' ? 'paused (' + p.reason + ')' : p.kind; }

  function render() {
    var s = snapshot;
    if (!s) return;
    text($('queue-count'), s.queue.length);
    fill('queue', s.queue, function (q) { return [q.position, q.clientName, q.callerName, q.callerNumber, secs(q.waitMs)]; });
    fill('parked', s.parked, function (p) { return [p.slot, p.clientName, p.callerName + ' ' + p.callerNumber, secs(p.parkedMs)]; });
    fill('colleagues', s.receptionists, function (r) { return [r.name, presenceText(r.presence), new Date(r.presenceSince).toLocaleTimeString()]; });
    var me = s.me;
    text($('my-state'), me ? presenceText(me.receptionist.presence) : '-');
    var call = me && me.call;
    $('call-card').hidden = !call;
    $('call-empty').hidden = !!call;
    $('call').className = call && call.status === 'ringing' ? 'ringing' : '';
    if (!call) return;
    text($('call-client'), call.clientName);
    text($('call-greeting'), call.greeting);
    text($('call-caller'), call.callerName || 'Unknown caller');
    text($('call-number'), call.callerNumber);
    text($('call-wait'), secs(call.waitMs));
    text($('call-status'), call.status);
    var list = $('contacts');
    list.replaceChildren();
    call.contacts.forEach(function (c) {
      var li = document.createElement('li');
      text(li, c.code + ' ' + c.name + (c.note ? ' - ' + c.note : '') + (c.alwaysScreen ? ' (announce)' : ''));
      list.appendChild(li);
    });
  }

  function myId() { return user && user.receptionistId; }
  function currentCall() { return snapshot && snapshot.me && snapshot.me.call; }

  async function act(fn) {
    showError('action-error', '');
    try { await fn(); } catch (err) { showError('action-error', err.message); }
  }
  function presence(state) {
    return act(function () {
      var body = state === 'paused' ? { state: 'paused', reason: $('pause-reason').value || 'break' } : { state: state };
      return api('PUT', '/api/receptionists/' + encodeURIComponent(myId()) + '/presence', body);
    });
  }
  function callOp(op, extra) {
    return act(function () {
      var c = currentCall();
      if (!c) throw new Error('No call in hand.');
      return api('POST', '/api/calls/' + encodeURIComponent(c.callId) + '/' + op, Object.assign({ receptionistId: myId() }, extra || {}));
    });
  }
  function transfer(mode) {
    var to = $('transfer-to').value.trim();
    if (!to) return showError('action-error', 'Type a contact code or a number.');
    var dest = /^\+/.test(to) ? { number: to } : { contactCode: to };
    return callOp('transfer', { to: dest, mode: mode });
  }

  var buttons = {
    'btn-available': function () { return presence('available'); },
    'btn-pause': function () { return presence('paused'); },
    'btn-logout': function () { return presence('logged-out'); },
    'btn-signout': function () { return api('POST', '/api/auth/logout').catch(function () {}).then(signOut); },
    'btn-hold': function () { return callOp('hold'); },
    'btn-resume': function () { return callOp('resume'); },
    'btn-blind': function () { return transfer('blind'); },
    'btn-announced': function () { return transfer('announced'); },
    'btn-complete': function () { return callOp('transfer/complete'); },
    'btn-cancel': function () { return callOp('transfer/cancel'); },
    'btn-park': function () { return callOp('park'); },
    'btn-voicemail': function () { return callOp('voicemail'); },
    'btn-hangup': function () { return callOp('hangup'); },
  };
  var keys = { F2: 'btn-available', F3: 'btn-pause', F4: 'btn-logout' };
  var altKeys = { h: 'btn-hold', r: 'btn-resume', b: 'btn-blind', a: 'btn-announced', c: 'btn-complete', x: 'btn-cancel', p: 'btn-park', v: 'btn-voicemail', e: 'btn-hangup' };

  document.addEventListener('DOMContentLoaded', function () {
    $('login-form').addEventListener('submit', login);
    Object.keys(buttons).forEach(function (id) { $(id).addEventListener('click', buttons[id]); });
    document.addEventListener('keydown', function (ev) {
      if (!token) return;
      var id = ev.altKey ? altKeys[ev.key.toLowerCase()] : keys[ev.key];
      if (ev.altKey && ev.key.toLowerCase() === 't') { ev.preventDefault(); $('transfer-to').focus(); return; }
      if (!id) return;
      ev.preventDefault();
      buttons[id]();
    });
    // Wait times tick between snapshots.
    setInterval(function () {
      if (!snapshot) return;
      var dt = 1000;
      snapshot.queue.forEach(function (q) { q.waitMs += dt; });
      snapshot.parked.forEach(function (p) { p.parkedMs += dt; });
      render();
    }, 1000);
    if (token) start();
  });
})();
