// The admin page: publish and withdraw announcements, and read first-party usage figures.
// Vanilla JS on the shared kit (SB); every text from the server is written with textContent,
// never as HTML.
'use strict';
(function () {
  var $ = SB.$;
  var el = SB.el;
  var text = SB.text;

  var APPS = ['console', 'portal', 'wallboard', 'admin'];
  var APP_NAMES = { console: 'Console', portal: 'Client portal', wallboard: 'Wallboard', admin: 'Admin' };
  var AUDIENCES = { everyone: 'Everyone', receptionists: 'Receptionists', clients: 'Clients' };
  var LEVELS = { info: 'Information', warning: 'Warning' };
  var STATES = { scheduled: 'Scheduled', active: 'Active', ended: 'Ended' };
  var TOP_ACTIONS = 20;
  var REFRESH_MS = 60000;

  /** User ids to e-mails, for "published by". */
  var emails = {};
  var refreshTimer = null;

  // ---- helpers -------------------------------------------------------------------------------

  /** A datetime-local value (local time, minutes) for a moment. */
  function localInput(ms) {
    var d = new Date(ms);
    var pad = function (n) { return String(n).padStart(2, '0'); };
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  /** A datetime-local value as an ISO instant; null when empty or not a time. */
  function isoOf(value) {
    if (!value) return null;
    var d = new Date(value);
    return isNaN(d.getTime()) ? null : d.toISOString();
  }

  function result(id, message, ok) {
    var p = $(id);
    text(p, message);
    p.className = 'result ' + (ok ? 'ok' : 'error');
  }

  function cell(value, className) { return el('td', value, className); }

  // ---- announcements -------------------------------------------------------------------------

  async function loadEmails() {
    try {
      var users = (await SB.api('GET', '/api/users')).users || [];
      users.forEach(function (u) { emails[u.id] = u.email; });
    } catch (e) { /* "by" then shows the id */ }
  }

  function announcementRow(a) {
    var tr = el('tr');
    tr.dataset.id = a.id;
    tr.appendChild(cell(a.text, 'text'));
    tr.appendChild(cell(LEVELS[a.level] || a.level, 'level-' + a.level));
    tr.appendChild(cell(AUDIENCES[a.audience] || a.audience));
    tr.appendChild(cell(SB.when(a.startsAt)));
    tr.appendChild(cell(SB.when(a.endsAt)));
    tr.appendChild(cell((STATES[a.state] || a.state) + (a.withdrawnAt ? ' (withdrawn)' : ''), 'state-' + a.state));
    tr.appendChild(cell(a.createdBy ? (emails[a.createdBy] || a.createdBy) : 'service'));
    var actions = el('td');
    if (a.state !== 'ended') {
      var button = el('button', 'Withdraw');
      button.type = 'button';
      button.addEventListener('click', function () { void withdraw(a, button); });
      actions.appendChild(button);
    }
    tr.appendChild(actions);
    return tr;
  }

  async function loadAnnouncements() {
    text($('list-error'), '');
    try {
      var list = (await SB.api('GET', '/api/admin/announcements')).announcements || [];
      $('ann-rows').replaceChildren.apply($('ann-rows'), list.map(announcementRow));
      $('ann-empty').hidden = list.length > 0;
    } catch (err) {
      text($('list-error'), err.message);
    }
  }

  async function withdraw(a, button) {
    if (!window.confirm('Withdraw this announcement now?\n\n' + a.text)) return;
    button.disabled = true;
    try {
      await SB.api('DELETE', '/api/admin/announcements/' + encodeURIComponent(a.id));
      SB.used('admin', 'announcement-withdraw');
    } catch (err) {
      text($('list-error'), err.message);
    }
    await refreshBanners();
  }

  async function publish(ev) {
    ev.preventDefault();
    var startsAt = isoOf($('ann-start').value);
    var endsAt = isoOf($('ann-end').value);
    if (!startsAt || !endsAt) return result('publish-result', 'Give a start and an end.', false);
    var body = { text: $('ann-text').value, level: $('ann-level').value, audience: $('ann-audience').value, startsAt: startsAt, endsAt: endsAt };
    var submit = $('publish-form').querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      var saved = await SB.api('POST', '/api/admin/announcements', body);
      SB.used('admin', 'announcement-publish');
      result('publish-result', 'Published: ' + (STATES[saved.state] || saved.state).toLowerCase() + ', shown to ' + (AUDIENCES[saved.audience] || saved.audience).toLowerCase() + '.', true);
      $('ann-text').value = '';
      resetWindow();
    } catch (err) {
      result('publish-result', err.message, false);
    } finally {
      submit.disabled = false;
    }
    await refreshBanners();
  }

  /** A new announcement starts now and lasts a day unless changed. */
  function resetWindow() {
    var now = Date.now();
    $('ann-start').value = localInput(now);
    $('ann-end').value = localInput(now + 24 * 3600 * 1000);
  }

  var pollBanners = null;
  async function refreshBanners() {
    await loadAnnouncements();
    if (pollBanners) await pollBanners();
  }

  // ---- usage ---------------------------------------------------------------------------------

  async function loadUsage() {
    text($('usage-error'), '');
    try {
      var u = await SB.api('GET', '/api/admin/usage?days=' + encodeURIComponent($('usage-days').value));
      text($('usage-asof'), SB.when(u.asOf));
      $('usage-apps').replaceChildren.apply($('usage-apps'), APPS.map(function (app) {
        var figures = (u.apps && u.apps[app]) || { dau: 0, wau: 0, mau: 0 };
        var tr = el('tr');
        tr.appendChild(cell(APP_NAMES[app]));
        [figures.dau, figures.wau, figures.mau].forEach(function (n) { tr.appendChild(cell(n, 'num')); });
        return tr;
      }));
      $('usage-actions').replaceChildren.apply($('usage-actions'), (u.actions || []).slice(0, TOP_ACTIONS).map(function (a) {
        var tr = el('tr');
        tr.appendChild(cell(APP_NAMES[a.app] || a.app));
        tr.appendChild(cell(a.action));
        tr.appendChild(cell(a.count, 'num'));
        return tr;
      }));
      // One row per day (newest first), one column per page.
      var byDay = {};
      (u.daily || []).forEach(function (d) { (byDay[d.day] = byDay[d.day] || {})[d.app] = d.users; });
      $('usage-daily').replaceChildren.apply($('usage-daily'), Object.keys(byDay).sort().reverse().map(function (day) {
        var tr = el('tr');
        tr.appendChild(cell(day));
        APPS.forEach(function (app) { tr.appendChild(cell(byDay[day][app] || 0, 'num')); });
        return tr;
      }));
    } catch (err) {
      text($('usage-error'), err.message);
    }
  }

  // ---- start ---------------------------------------------------------------------------------

  async function signedIn(user) {
    text($('who'), user ? (user.name || user.email) + ' (' + user.role + ')' : '');
    $('signout').hidden = false;
    var admin = !user || user.role === 'admin';
    $('not-admin').hidden = admin;
    ['publish', 'list', 'usage'].forEach(function (id) { $(id).hidden = !admin; });
    // The kit stops this poll when the session ends; a new session starts its own.
    pollBanners = SB.pollAnnouncements();
    if (!admin) return;
    SB.used('admin', 'open');
    resetWindow();
    await loadEmails();
    await Promise.all([loadAnnouncements(), loadUsage()]);
    if (refreshTimer) clearInterval(refreshTimer);
    // States move on by themselves (scheduled -> active -> ended): read again now and then.
    refreshTimer = setInterval(function () {
      if (!SB.token) return;
      void loadAnnouncements();
      void loadUsage();
    }, REFRESH_MS);
  }

  function signedOut() {
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = null;
    pollBanners = null;
    $('signout').hidden = true;
    text($('who'), '');
    ['ann-rows', 'usage-apps', 'usage-actions', 'usage-daily'].forEach(function (id) { $(id).replaceChildren(); });
    emails = {};
  }

  // A deferred script: the document is parsed by now.
  $('publish-form').addEventListener('submit', function (ev) { void publish(ev); });
  $('ann-refresh').addEventListener('click', function () { void loadAnnouncements(); });
  $('usage-days').addEventListener('change', function () { void loadUsage(); });
  $('signout').addEventListener('click', function () { SB.signOut(); signedOut(); });
  SB.signIn(signedIn);
})();
