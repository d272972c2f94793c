// The supervisor wallboard: live queue and receptionist states from the /api/live snapshots,
// today's figures from /api/wallboard/today every 5 s. Waits and times in state tick here each
// second from the last snapshot. Every caller, client and receptionist text goes through
// textContent (SB.el / SB.text), never as HTML.
'use strict';
(function () {
  var $ = SB.$;
  var text = SB.text;
  var el = SB.el;
  var TODAY_EVERY_MS = 5000;
  var STATES = [
    ['available', 'Available'],
    ['ringing', 'Ringing'],
    ['on-call', 'On a call'],
    ['wrap-up', 'Wrap-up'],
    ['paused', 'Paused'],
    ['logged-out', 'Logged out'],
  ];
  var LABEL = {};
  STATES.forEach(function (s) { LABEL[s[0]] = s[1]; });

  var snapshot = null; // the last live snapshot
  var receivedAt = 0; // performance.now() when it came: waits tick from there, whatever the clocks say
  var today = null; // the last /api/wallboard/today answer
  var waitCells = []; // [{ cell, waitMs }] of the waiting list
  var stateCells = []; // [{ cell, sinceMs }] of the receptionists' table (ms in state at the snapshot)
  var tickTimer = null;
  var todayTimer = null;
  var running = false;
  var reportedOpen = false;

  /** m:ss, or h:mm:ss from an hour. */
  function dur(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var ss = String(s % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + ss : m + ':' + ss;
  }

  function sinceSnapshot() { return snapshot ? performance.now() - receivedAt : 0; }

  function notice(message) {
    text($('notice'), message || '');
    $('notice').hidden = !message;
  }

  // ---- live: the queue and the receptionists ----

  function renderQueue() {
    var queue = (snapshot && snapshot.queue) || [];
    var body = $('queue');
    var rows = [];
    waitCells = [];
    queue.forEach(function (q) {
      var tr = el('tr');
      tr.appendChild(el('td', q.position, 'num'));
      tr.appendChild(el('td', q.clientName || q.clientId || ''));
      tr.appendChild(el('td', q.callerName || 'Unknown caller'));
      tr.appendChild(el('td', q.callerNumber || ''));
      var wait = el('td', dur(q.waitMs || 0), 'num wait');
      waitCells.push({ cell: wait, waitMs: q.waitMs || 0 });
      tr.appendChild(wait);
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    $('queue-empty').hidden = queue.length > 0;
    text($('waiting'), queue.length);
    $('tile-waiting').classList.toggle('busy', queue.length > 0);
  }

  function stateOf(r) {
    var kind = r.presence && r.presence.kind;
    var label = LABEL[kind] || kind || 'Unknown';
    if (kind === 'paused' && r.presence.reason) label += ': ' + r.presence.reason;
    return label;
  }

  function renderPeople() {
    var people = ((snapshot && snapshot.receptionists) || []).slice();
    var order = {};
    STATES.forEach(function (s, i) { order[s[0]] = i; });
    people.sort(function (a, b) {
      var oa = order[a.presence && a.presence.kind];
      var ob = order[b.presence && b.presence.kind];
      return (oa === undefined ? 99 : oa) - (ob === undefined ? 99 : ob) || String(a.name).localeCompare(String(b.name));
    });

    var counts = {};
    var unreachable = 0;
    people.forEach(function (r) {
      var kind = r.presence && r.presence.kind;
      counts[kind] = (counts[kind] || 0) + 1;
      if (r.reachable === false && kind !== 'logged-out') unreachable += 1;
    });
    var chips = STATES.map(function (s) {
      var li = el('li', null, 'count state-' + s[0] + ((counts[s[0]] || 0) === 0 ? ' none' : ''));
      li.appendChild(el('span', counts[s[0]] || 0, 'n'));
      li.appendChild(el('span', s[1], 'what'));
      return li;
    });
    if (unreachable > 0) {
      var li = el('li', null, 'count unreachable');
      li.appendChild(el('span', unreachable, 'n'));
      li.appendChild(el('span', 'Phone unreachable', 'what'));
      chips.push(li);
    }
    var list = $('state-counts');
    list.replaceChildren.apply(list, chips);

    var at = (snapshot && snapshot.at) || 0;
    var rows = [];
    stateCells = [];
    people.forEach(function (r) {
      var kind = (r.presence && r.presence.kind) || '';
      var tr = el('tr', null, 'state-' + kind);
      var name = el('td', r.name || r.id);
      if (r.reachable === false && kind !== 'logged-out') name.appendChild(el('span', ' (phone unreachable)', 'warn-text'));
      tr.appendChild(name);
      tr.appendChild(el('td', stateOf(r), 'state'));
      var since = el('td', '', 'num');
      if (typeof r.presenceSince === 'number' && at) {
        stateCells.push({ cell: since, sinceMs: at - r.presenceSince });
        text(since, dur(at - r.presenceSince));
      }
      tr.appendChild(since);
      rows.push(tr);
    });
    var body = $('people');
    body.replaceChildren.apply(body, rows);
  }

  /** Waits, the longest wait and times in state, from the last snapshot plus the time since. */
  function tick() {
    var d = sinceSnapshot();
    var longest = 0;
    waitCells.forEach(function (w) {
      var ms = w.waitMs + d;
      longest = Math.max(longest, ms);
      text(w.cell, dur(ms));
    });
    stateCells.forEach(function (s) { text(s.cell, dur(s.sinceMs + d)); });
    text($('longest'), waitCells.length ? dur(longest) : '0:00');
    var threshold = today ? today.serviceLevelSeconds * 1000 : 20000;
    var tile = $('tile-longest');
    tile.classList.toggle('warn', waitCells.length > 0 && longest > threshold && longest <= 2 * threshold);
    tile.classList.toggle('alert', waitCells.length > 0 && longest > 2 * threshold);
    text($('clock'), new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
  }

  function onSnapshot(msg) {
    if (!msg || msg.type !== 'snapshot') return;
    snapshot = msg;
    receivedAt = performance.now();
    renderQueue();
    renderPeople();
    tick();
  }

  function onLink(up) {
    var link = $('link');
    text(link, up ? 'live' : 'offline');
    link.classList.toggle('up', up);
    document.body.classList.toggle('offline', !up);
  }

  // ---- today's figures ----

  function renderToday() {
    var t = today;
    text($('day'), t.day + ' (' + t.timeZone + ')');
    text($('asa'), t.asaMs == null ? '-' : dur(t.asaMs));
    text($('sl'), t.serviceLevelPct == null ? '-' : Math.round(t.serviceLevelPct) + '%');
    var counted = t.answered + t.abandoned - t.shortAbandoned;
    text($('sl-detail'), 'answered within ' + t.serviceLevelSeconds + ' s: ' + t.answeredWithinThreshold + ' of ' + counted +
      ' (abandons under ' + t.shortAbandonSeconds + ' s left out)');
    text($('answered'), t.answered);
    text($('abandoned'), t.abandoned);
    text($('short-abandoned'), t.shortAbandoned);
    text($('arrived'), t.arrived);
    text($('as-of'), 'Today\'s figures as of ' + new Date(t.asOf).toLocaleTimeString() + '; longest answered wait today ' +
      (t.longestAnsweredWaitMs == null ? '-' : dur(t.longestAnsweredWaitMs)) + '.');
  }

  async function refreshToday() {
    if (!SB.token) return stop();
    try {
      today = await SB.api('GET', '/api/wallboard/today');
      renderToday();
      document.body.classList.remove('stale');
      notice('');
    } catch (err) {
      if (err.status === 403) {
        notice('Today\'s figures are for supervisors and admins.');
        clearInterval(todayTimer);
        todayTimer = null;
        return;
      }
      document.body.classList.add('stale');
      notice('Today\'s figures are not up to date: ' + err.message);
    }
  }

  // ---- start and stop ----

  function stop() {
    clearInterval(tickTimer);
    clearInterval(todayTimer);
    tickTimer = todayTimer = null;
    running = false;
    $('btn-signout').hidden = true;
  }

  function start() {
    if (running) stop();
    running = true;
    $('btn-signout').hidden = false;
    if (!reportedOpen) {
      reportedOpen = true;
      SB.used('wallboard', 'open');
    }
    SB.live(onSnapshot, onLink);
    SB.pollAnnouncements();
    tickTimer = setInterval(tick, 1000);
    todayTimer = setInterval(refreshToday, TODAY_EVERY_MS);
    void refreshToday();
  }

  $('btn-signout').addEventListener('click', function () {
    stop();
    SB.signOut();
  });
  tick();
  SB.signIn(start);
})();
