// The receptionist console: vanilla JS on the shared kit (/kit/kit.js), same origin only. Every
// text that comes from a caller or a client is written with textContent, never as HTML.
'use strict';
(function () {
  var SB = window.SB;
  var $ = SB.$, text = SB.text, secs = SB.secs;
  var user = null;
  var snapshot = null;
  var shownCallId = null;

  var INSTRUCTIONS = {
    'voicemail-all': 'Send all calls to voicemail.',
    'screen-all': 'Screen every call.',
    'take-message': 'Take a message.',
    none: '',
  };

  function cell(row, value) { row.appendChild(SB.el('td', value)); }
  function showError(id, message) { text($(id), message); }

  function fill(tbodyId, rows, cells) {
    var body = $(tbodyId);
    body.replaceChildren();
    rows.forEach(function (r) { var tr = document.createElement('tr'); cells(r).forEach(function (v) { cell(tr, v); }); body.appendChild(tr); });
  }

  function presenceText(p) { return p.kind === 'paused' ? 'paused (' + p.reason + ')' : p.kind; }
  function statusLine(s) { return s ? (INSTRUCTIONS[s.instruction] ? INSTRUCTIONS[s.instruction] + ' ' : '') + s.text : ''; }

  function render() {
    var s = snapshot;
    if (!s) return;
    SB.showAnnouncements(s.announcements);
    text($('queue-count'), s.queue.length);
    fill('queue', s.queue, function (q) { return [q.position, q.clientName, statusLine(q.clientStatus), q.callerName, q.callerNumber, secs(q.waitMs)]; });
    fill('parked', s.parked, function (p) { return [p.slot, p.clientName, p.callerName + ' ' + p.callerNumber, secs(p.parkedMs)]; });
    fill('colleagues', s.receptionists, function (r) { return [r.name, presenceText(r.presence) + (r.reachable === false ? ' (phone unreachable)' : ''), new Date(r.presenceSince).toLocaleTimeString()]; });
    var me = s.me;
    text($('my-state'), me ? presenceText(me.receptionist.presence) : '-');
    var call = me && me.call;
    $('call-card').hidden = !call;
    $('call-empty').hidden = !!call;
    $('call').className = call && call.status === 'ringing' ? 'ringing' : '';
    if (!call) { shownCallId = null; return; }
    if (shownCallId !== call.callId) {
      // A new call: the message form starts from this caller.
      shownCallId = call.callId;
      $('message-name').value = call.callerName || '';
      $('message-number').value = call.callerNumber || '';
      $('message-body').value = '';
      text($('message-sent'), '');
    }
    text($('call-client'), call.clientName);
    text($('call-greeting'), call.greeting);
    text($('call-caller'), call.callerName || 'Unknown caller');
    text($('call-number'), call.callerNumber);
    text($('call-wait'), secs(call.waitMs));
    text($('call-status'), call.status);
    var note = noteText(call.callerNote);
    $('call-caller-note').hidden = !note;
    text($('call-caller-note'), note);
    var st = call.clientStatus;
    $('call-client-status').hidden = !st;
    text($('call-status-instruction'), st ? INSTRUCTIONS[st.instruction] || '' : '');
    text($('call-status-text'), st ? st.text : '');
    text($('call-status-window'), st && st.endsAt ? ' (until ' + SB.when(st.endsAt) + ')' : '');
    renderContacts(call.contacts);
  }

  var CALLER_CLASSES = { vip: 'VIP', known: 'Known caller', blocked: 'Listed as spam', anonymous: 'Number withheld' };

  /** "VIP - Mrs Jones (owner's mother) - called 3 times before, last 28/11/2026 09:12 (abandoned)". */
  function noteText(n) {
    if (!n) return '';
    var parts = [];
    if (CALLER_CLASSES[n.callerClass]) parts.push(CALLER_CLASSES[n.callerClass]);
    if (n.label) parts.push(n.label);
    if (n.previousCalls > 0) {
      parts.push('called ' + n.previousCalls + (n.previousCalls === 1 ? ' time' : ' times') + ' before, last ' + SB.when(n.lastCallAt) + (n.lastOutcome ? ' (' + n.lastOutcome + ')' : ''));
    } else if (n.callerClass !== 'anonymous') {
      parts.push('first call');
    }
    return parts.join(' - ');
  }

  function availabilityText(c) {
    if (c.availability === 'voicemail-only') return 'voicemail only';
    return c.availability + (c.alwaysScreen ? ', screen first' : '');
  }

  function renderContacts(contacts) {
    var body = $('contacts');
    body.replaceChildren();
    contacts.forEach(function (c) {
      var tr = document.createElement('tr');
      tr.dataset.code = c.code;
      cell(tr, c.code);
      cell(tr, c.name + (c.note ? ' - ' + c.note : ''));
      cell(tr, availabilityText(c));
      var td = document.createElement('td');
      var screened = SB.el('button', 'Screened transfer', 'contact-screened');
      screened.type = 'button';
      screened.addEventListener('click', function () { transferTo({ contactCode: c.code }, 'announced'); });
      var blind = SB.el('button', 'Transfer', 'contact-blind');
      blind.type = 'button';
      blind.addEventListener('click', function () { transferTo({ contactCode: c.code }, 'blind'); });
      td.appendChild(screened);
      td.appendChild(blind);
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function myId() { return user && user.receptionistId; }
  function currentCall() { return snapshot && snapshot.me && snapshot.me.call; }

  async function act(action, fn) {
    showError('action-error', '');
    SB.used('console', action);
    try { await fn(); } catch (err) { showError('action-error', err.message); }
  }
  function presence(state) {
    var action = state === 'paused' ? 'pause' : state === 'available' ? 'set-available' : 'log-out';
    return act(action, function () {
      var body = state === 'paused' ? { state: 'paused', reason: $('pause-reason').value || 'break' } : { state: state };
      return SB.api('PUT', '/api/receptionists/' + encodeURIComponent(myId()) + '/presence', body);
    });
  }
  function callOp(action, op, extra) {
    return act(action, function () {
      var c = currentCall();
      if (!c) throw new Error('No call in hand.');
      return SB.api('POST', '/api/calls/' + encodeURIComponent(c.callId) + '/' + op, Object.assign({ receptionistId: myId() }, extra || {}));
    });
  }
  function transferTo(dest, mode) {
    return callOp(mode === 'announced' ? 'transfer-screened' : 'transfer-blind', 'transfer', { to: dest, mode: mode });
  }
  function transfer(mode) {
    var to = $('transfer-to').value.trim();
    if (!to) return showError('action-error', 'Type a contact code or a number.');
    return transferTo(/^\+/.test(to) ? { number: to } : { contactCode: to }, mode);
  }

  var requestSeq = 0;
  function takeMessage(ev) {
    ev.preventDefault();
    var c = currentCall();
    var requestId = 'console-' + Date.now().toString(36) + '-' + (++requestSeq);
    return act('take-message', async function () {
      if (!c) throw new Error('No call in hand.');
      await SB.api('POST', '/api/messages', {
        clientId: c.clientId,
        callId: c.callId,
        callerName: $('message-name').value.trim(),
        callerNumber: $('message-number').value.trim(),
        body: $('message-body').value,
        requestId: requestId,
      });
      $('message-body').value = '';
      text($('message-sent'), 'Message sent.');
    });
  }

  var buttons = {
    'btn-available': function () { return presence('available'); },
    'btn-pause': function () { return presence('paused'); },
    'btn-logout': function () { return presence('logged-out'); },
    'btn-signout': function () { SB.signOut(); },
    'btn-hold': function () { return callOp('hold', 'hold'); },
    'btn-resume': function () { return callOp('resume', 'resume'); },
    'btn-blind': function () { return transfer('blind'); },
    'btn-announced': function () { return transfer('announced'); },
    'btn-complete': function () { return callOp('transfer-complete', 'transfer/complete'); },
    'btn-cancel': function () { return callOp('transfer-cancel', 'transfer/cancel'); },
    'btn-park': function () { return callOp('park', 'park'); },
    'btn-voicemail': function () { return callOp('voicemail', 'voicemail'); },
    'btn-hangup': function () { return callOp('hangup', 'hangup'); },
  };
  var keys = { F2: 'btn-available', F3: 'btn-pause', F4: 'btn-logout' };
  var altKeys = { h: 'btn-hold', r: 'btn-resume', b: 'btn-blind', a: 'btn-announced', c: 'btn-complete', x: 'btn-cancel', p: 'btn-park', v: 'btn-voicemail', e: 'btn-hangup' };

  function link(up) {
    text($('link'), up ? 'live' : 'reconnecting');
    $('link').className = up ? 'link up' : 'link';
  }

  document.addEventListener('DOMContentLoaded', function () {
    Object.keys(buttons).forEach(function (id) { $(id).addEventListener('click', buttons[id]); });
    $('message-form').addEventListener('submit', takeMessage);
    document.addEventListener('keydown', function (ev) {
      if (!SB.token) return;
      var key = ev.key.toLowerCase();
      if (ev.altKey && key === 't') { ev.preventDefault(); $('transfer-to').focus(); return; }
      if (ev.altKey && key === 'm') { ev.preventDefault(); $('message-body').focus(); return; }
      var id = ev.altKey ? altKeys[key] : keys[ev.key];
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
      if (snapshot.me && snapshot.me.call && !snapshot.me.call.answeredAt) snapshot.me.call.waitMs += dt;
      render();
    }, 1000);
    SB.signIn(function (me) {
      user = me;
      text($('who'), user ? (user.name || user.email) + ' (' + user.role + ')' : 'service');
      SB.used('console', 'open');
      SB.live(function (msg) {
        if (msg.type === 'snapshot') { snapshot = msg; render(); }
        else if (msg.type === 'screen-pop') { $('call').className = 'ringing'; }
      }, link);
    });
  });
})();
