// The client portal: a client (or the staff looking after one) posts a status for the
// receptionists, edits the greeting, contacts, hours and after-hours handling, and reads messages,
// the call log and the month's usage. Vanilla JS on the shared kit (SB); every text from the
// server is written with textContent, never as HTML.
'use strict';
(function () {
  var $ = SB.$;
  var el = SB.el;
  var text = SB.text;

  var SECTIONS = ['status', 'greeting', 'contacts', 'hours', 'messages', 'calls', 'usage'];
  var INSTRUCTIONS = { none: 'None', 'voicemail-all': 'Send all calls to voicemail', 'screen-all': 'Screen every call', 'take-message': 'Take a message' };
  var AVAILABILITY = { available: 'Available', away: 'Away', 'voicemail-only': 'Voicemail only' };
  var OUTCOMES = { completed: 'Answered', abandoned: 'Caller hung up', voicemail: 'Voicemail', announcement: 'Announcement', failed: 'Failed', callback: 'Callback requested' };
  var WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  /** Buttons a supervisor may not use (only admins and the client itself edit settings). */
  var EDIT_BUTTONS = ['greeting-save', 'contact-save', 'hours-add', 'hours-save', 'closures-add', 'closures-save', 'after-save'];
  /** Lists emptied when another client is picked. */
  var CLIENT_LISTS = ['status-current', 'contacts-rows', 'hours-rows', 'closures-rows', 'messages', 'calls-rows', 'usage'];
  var CLIENT_KEY = 'sb.portal.client';

  var state = {
    user: null,
    role: null,
    clientId: null,
    settings: null,
    section: 'status',
    canEdit: true,
    /** Which lazily read sections are loaded for the current client. */
    loaded: {},
    messages: [],
    messagesNext: null,
    audioUrls: [],
    usageMonth: null,
  };

  // ---- small helpers -------------------------------------------------------------------------

  var flashTimer = null;
  function flash(message, ok) {
    var box = $('flash');
    clearTimeout(flashTimer);
    // Domain messages start in lower case ('give exactly one of number and extension').
    text(box, message ? message.charAt(0).toUpperCase() + message.slice(1) : '');
    box.className = ok ? 'ok' : 'error';
    box.hidden = !message;
    if (ok && message) flashTimer = setTimeout(function () { box.hidden = true; }, 5000);
  }

  /**
   * Runs one user action: the button is disabled meanwhile, success and errors go to #flash (an
   * error shows the API's own message), and the action is reported as used.
   */
  async function act(button, action, work, done) {
    var wasDisabled = button ? button.disabled : false;
    if (button) button.disabled = true;
    flash('', false);
    try {
      await work();
      if (done) flash(done, true);
      if (action) SB.used('portal', action);
    } catch (err) {
      flash(err.message || 'Something went wrong.', false);
    } finally {
      if (button) button.disabled = wasDisabled;
    }
  }

  function base() { return '/api/clients/' + encodeURIComponent(state.clientId); }
  function query(params) {
    return Object.keys(params)
      .filter(function (k) { return params[k] != null && params[k] !== ''; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); })
      .join('&');
  }
  function pad(n) { return String(n).padStart(2, '0'); }
  function ms(iso) { return iso ? new Date(iso).getTime() : null; }

  /** ISO time -> the local `YYYY-MM-DDTHH:MM` a datetime-local input shows. */
  function toLocalInput(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  /** A datetime-local value (local time, no zone) -> ISO, or null when empty. */
  function fromLocalInput(value, what) {
    if (!value) return null;
    var d = new Date(value);
    if (isNaN(d.getTime())) throw new Error(what + ' is not a valid date and time.');
    return d.toISOString();
  }

  /** A table cell; `label` heads the cell when the table is shown as cards on a phone. */
  function cell(row, value, label, className) {
    var td = el('td', value, className);
    if (label) td.dataset.label = label;
    row.appendChild(td);
    return td;
  }
  function button(label, className) {
    var b = el('button', label, className);
    b.type = 'button';
    return b;
  }
  function labelled(caption, input, className) {
    var l = el('label', null, className);
    l.appendChild(el('span', caption + ' '));
    l.appendChild(input);
    return l;
  }
  function input(type, value, attrs) {
    var i = document.createElement('input');
    i.type = type;
    i.value = value == null ? '' : value;
    Object.keys(attrs || {}).forEach(function (k) { i.setAttribute(k, attrs[k]); });
    return i;
  }

  // ---- navigation ------------------------------------------------------------------------------

  function show(section) {
    if (SECTIONS.indexOf(section) < 0) section = 'status';
    if (section !== state.section) flash('', false); // a message belongs to the section it came from
    state.section = section;
    SECTIONS.forEach(function (s) {
      $('section-' + s).hidden = s !== section;
      var nav = $('nav-' + s);
      nav.classList.toggle('current', s === section);
      if (s === section) nav.setAttribute('aria-current', 'page');
      else nav.removeAttribute('aria-current');
    });
    if (location.hash !== '#' + section) history.replaceState(null, '', '#' + section);
    if (state.clientId) void loadSection(section, false);
  }

  async function loadSection(section, again) {
    if (!again && state.loaded[section]) return;
    state.loaded[section] = true;
    if (section === 'messages') await loadMessages(true);
    else if (section === 'calls') await loadCalls();
    else if (section === 'usage') await loadUsage();
  }

  // ---- sign-in and client choice ---------------------------------------------------------------

  async function signedIn(user) {
    reset();
    state.user = user;
    state.role = user ? user.role : 'admin'; // no user: the service token, with admin rights
    text($('who'), user ? (user.name || user.email) : 'service');
    $('signout').hidden = false;
    SB.pollAnnouncements();
    state.canEdit = state.role === 'admin' || state.role === 'client';
    EDIT_BUTTONS.forEach(function (id) {
      $(id).disabled = !state.canEdit;
      $(id).title = state.canEdit ? '' : 'Only the client or an admin may change this.';
    });
    if (state.role === 'client') {
      $('client-picker-label').hidden = true;
      if (!user.clientId) return flash('Your account is not linked to a client; ask the company to link it.', false);
      await selectClient(user.clientId);
    } else if (state.role === 'admin' || state.role === 'supervisor') {
      await loadClientPicker();
    } else {
      return flash('The portal is for clients and their account managers.', false);
    }
    SB.used('portal', 'open');
  }

  async function loadClientPicker() {
    var picker = $('client-picker');
    var list;
    try { list = (await SB.api('GET', '/api/clients')).clients || []; } catch (err) { return flash(err.message, false); }
    picker.replaceChildren();
    list.forEach(function (c) {
      var o = el('option', c.name ? c.name + ' (' + c.id + ')' : c.id);
      o.value = c.id;
      picker.appendChild(o);
    });
    $('client-picker-label').hidden = false;
    if (list.length === 0) return flash('There are no clients yet.', false);
    var kept = sessionStorage.getItem(CLIENT_KEY);
    var chosen = list.some(function (c) { return c.id === kept; }) ? kept : list[0].id;
    picker.value = chosen;
    await selectClient(chosen);
  }

  async function selectClient(clientId) {
    forgetClient();
    state.clientId = clientId;
    if (state.role !== 'client') sessionStorage.setItem(CLIENT_KEY, clientId);
    try {
      var settings = await SB.api('GET', base() + '/settings');
      if (state.clientId !== clientId) return; // another client was picked meanwhile
      apply(settings, 'all');
    } catch (err) {
      flash(err.message, false);
    }
    if (state.clientId === clientId) void loadSection(state.section, false);
  }

  /** Drops what belongs to the client shown so far (played audio, lists read). */
  function forgetClient() {
    state.settings = null;
    state.loaded = {};
    state.messages = [];
    state.messagesNext = null;
    state.usageMonth = null;
    state.audioUrls.forEach(function (u) { URL.revokeObjectURL(u); });
    state.audioUrls = [];
    CLIENT_LISTS.forEach(function (id) { $(id).replaceChildren(); });
    text($('client-name'), '');
  }

  function reset() {
    forgetClient();
    state.clientId = null;
    state.user = null;
    flash('', false);
  }

  /** Takes the settings object every settings call answers; `part` says which editor to redraw. */
  function apply(settings, part) {
    state.settings = settings;
    text($('client-name'), settings.client ? settings.client.name : '');
    if (part === 'all' || part === 'status') renderStatus(settings.status);
    if (part === 'all' || part === 'greeting') $('greeting').value = (settings.client && settings.client.greeting) || '';
    if (part === 'all' || part === 'contacts') renderContacts(settings.contacts || []);
    if (part === 'all' || part === 'hours') renderHours(settings);
    if (part === 'all' || part === 'closures') renderClosures(settings.closures || []);
    if (part === 'all' || part === 'after-hours') renderAfterHours(settings.afterHours);
  }

  /** DELETE may answer the settings or nothing: read them again when it is nothing. */
  async function applyOrReload(result, part) {
    if (result && result.client) return apply(result, part);
    apply(await SB.api('GET', base() + '/settings'), part);
  }

  // ---- 1. status -------------------------------------------------------------------------------

  function renderStatus(status) {
    var box = $('status-current');
    box.replaceChildren();
    if (!status) {
      box.appendChild(el('p', 'No status posted. Receptionists handle your calls as usual.', 'hint'));
      $('status-text').value = '';
      $('status-instruction').value = 'none';
      $('status-starts').value = '';
      $('status-ends').value = '';
      $('status-clear').disabled = true;
      return;
    }
    box.appendChild(el('p', status.active ? 'Active now' : 'Not active now', status.active ? 'badge on' : 'badge off'));
    box.appendChild(el('p', status.text || '(no message)', 'status-text'));
    box.appendChild(el('p', 'Instruction: ' + (INSTRUCTIONS[status.instruction] || status.instruction || 'None')));
    var span = status.startsAt && status.endsAt ? 'From ' + SB.when(status.startsAt) + ' until ' + SB.when(status.endsAt)
      : status.startsAt ? 'From ' + SB.when(status.startsAt) + ', until cleared'
      : status.endsAt ? 'Until ' + SB.when(status.endsAt)
      : 'Until cleared';
    box.appendChild(el('p', span));
    if (status.postedAt) box.appendChild(el('p', 'Posted ' + SB.when(status.postedAt), 'hint'));
    $('status-text').value = status.text || '';
    $('status-instruction').value = INSTRUCTIONS[status.instruction] ? status.instruction : 'none';
    $('status-starts').value = toLocalInput(status.startsAt);
    $('status-ends').value = toLocalInput(status.endsAt);
    $('status-clear').disabled = false;
  }

  function postStatus(ev) {
    ev.preventDefault();
    return act($('status-post'), 'status-set', async function () {
      var startsAt = fromLocalInput($('status-starts').value, 'The start');
      var endsAt = fromLocalInput($('status-ends').value, 'The end');
      if (startsAt && endsAt && ms(endsAt) <= ms(startsAt)) throw new Error('The end must be after the start.');
      var body = { text: $('status-text').value.trim(), instruction: $('status-instruction').value, startsAt: startsAt, endsAt: endsAt };
      apply(await SB.api('PUT', base() + '/status', body), 'status');
    }, 'Status posted: receptionists see it now.');
  }

  function clearStatus() {
    return act($('status-clear'), 'status-clear', async function () {
      await applyOrReload(await SB.api('DELETE', base() + '/status'), 'status');
    }, 'Status cleared.');
  }

  // ---- 2. greeting -----------------------------------------------------------------------------

  function saveGreeting(ev) {
    ev.preventDefault();
    return act($('greeting-save'), 'greeting-edit', async function () {
      // One line: the receptionist reads it out.
      apply(await SB.api('PUT', base() + '/greeting', { greeting: $('greeting').value.replace(/\s*\n\s*/g, ' ').trim() }), 'greeting');
    }, 'Greeting saved.');
  }

  // ---- 3. contacts -----------------------------------------------------------------------------

  function renderContacts(list) {
    var body = $('contacts-rows');
    body.replaceChildren();
    list.forEach(function (c) {
      var row = el('tr');
      cell(row, c.code, 'Code');
      cell(row, c.name, 'Name');
      cell(row, c.number || (c.extension ? 'ext. ' + c.extension : ''), 'Number');
      cell(row, AVAILABILITY[c.availability] || c.availability, 'Availability');
      cell(row, c.alwaysScreen ? 'Always' : 'No', 'Screen');
      cell(row, c.note, 'Note');
      var actions = cell(row, null, null, 'actions');
      var edit = button('Edit');
      edit.addEventListener('click', function () { editContact(c); });
      var remove = button('Delete', 'danger');
      remove.disabled = !state.canEdit;
      remove.addEventListener('click', function () { deleteContact(c, remove); });
      actions.appendChild(edit);
      actions.appendChild(remove);
      body.appendChild(row);
    });
    $('contacts-empty').hidden = list.length > 0;
    $('contacts').hidden = list.length === 0;
    newContact();
  }

  function editContact(c) {
    text($('contact-form-title'), 'Edit contact ' + c.code);
    $('contact-code').value = c.code;
    $('contact-code').readOnly = true; // the code is the key: a new code is a new contact
    $('contact-name').value = c.name || '';
    $('contact-number').value = c.number || '';
    $('contact-extension').value = c.extension || '';
    $('contact-availability').value = AVAILABILITY[c.availability] ? c.availability : 'available';
    $('contact-screen').checked = !!c.alwaysScreen;
    $('contact-note').value = c.note || '';
    $('contact-form').scrollIntoView({ block: 'start' });
    $('contact-name').focus();
  }

  function newContact() {
    $('contact-form').reset();
    $('contact-code').readOnly = false;
    text($('contact-form-title'), 'Add a contact');
  }

  function saveContact(ev) {
    ev.preventDefault();
    var code = $('contact-code').value.trim();
    return act($('contact-save'), 'contact-edit', async function () {
      if (!code) throw new Error('Give the contact a code.');
      // People type numbers with spaces, dashes and brackets; the API wants +15035551234.
      var number = $('contact-number').value.replace(/[\s().-]/g, '');
      var extension = $('contact-extension').value.trim();
      if (!number === !extension) throw new Error('Give a phone number or an extension (one of them, not both).');
      if (number && !/^\+[1-9][0-9]{7,14}$/.test(number)) throw new Error('Write the phone number in international form, with + and the country code: +15035551234.');
      var body = {
        name: $('contact-name').value.trim(),
        number: number || null,
        extension: extension || null,
        alwaysScreen: $('contact-screen').checked,
        availability: $('contact-availability').value,
        note: $('contact-note').value.trim(),
      };
      apply(await SB.api('PUT', base() + '/contacts/' + encodeURIComponent(code), body), 'contacts');
    }, 'Contact ' + code + ' saved.');
  }

  function deleteContact(c, btn) {
    if (!confirm('Delete contact ' + c.code + ' (' + c.name + ')?')) return;
    return act(btn, 'contact-delete', async function () {
      await applyOrReload(await SB.api('DELETE', base() + '/contacts/' + encodeURIComponent(c.code)), 'contacts');
    }, 'Contact ' + c.code + ' deleted.');
  }

  // ---- 4. hours, closures, after hours ---------------------------------------------------------

  function fillTimeZones() {
    var list = $('tz-list');
    if (list.childElementCount > 0 || typeof Intl.supportedValuesOf !== 'function') return;
    Intl.supportedValuesOf('timeZone').forEach(function (z) {
      var o = document.createElement('option');
      o.value = z;
      list.appendChild(o);
    });
  }

  function renderHours(settings) {
    $('hours-tz').value = (settings.client && settings.client.timeZone) || '';
    $('hours-rows').replaceChildren();
    (settings.hours || [])
      .slice()
      .sort(function (a, b) { return a.weekday - b.weekday || (a.opens < b.opens ? -1 : 1); })
      .forEach(addHoursRow);
    hoursEmpty();
  }

  function hoursEmpty() { $('hours-empty').hidden = $('hours-rows').childElementCount > 0; }

  function addHoursRow(h) {
    var row = el('div', null, 'row hours-row');
    var day = document.createElement('select');
    day.className = 'weekday';
    WEEKDAYS.forEach(function (name, i) {
      var o = el('option', name);
      o.value = String(i + 1);
      day.appendChild(o);
    });
    day.value = String((h && h.weekday) || 1);
    var opens = input('time', h ? h.opens : '09:00', { required: '', class: 'opens' });
    var midnight = h && h.closes === '24:00';
    var closes = input('time', h && !midnight ? h.closes : '17:00', { class: 'closes' });
    var late = input('checkbox', null, { class: 'midnight' });
    late.checked = midnight;
    closes.disabled = midnight;
    late.addEventListener('change', function () { closes.disabled = late.checked; });
    var remove = button('Remove', 'danger');
    remove.disabled = !state.canEdit;
    remove.addEventListener('click', function () { row.remove(); hoursEmpty(); });
    row.appendChild(labelled('Day', day));
    row.appendChild(labelled('Opens', opens));
    row.appendChild(labelled('Closes', closes));
    row.appendChild(labelled('Until midnight', late, 'check'));
    row.appendChild(remove);
    $('hours-rows').appendChild(row);
    hoursEmpty();
  }

  function readHours() {
    return Array.prototype.map.call($('hours-rows').children, function (row, i) {
      var opens = row.querySelector('.opens').value.slice(0, 5);
      var closes = row.querySelector('.midnight').checked ? '24:00' : row.querySelector('.closes').value.slice(0, 5);
      if (!opens || !closes) throw new Error('Opening hours line ' + (i + 1) + ' needs an opening and a closing time.');
      if (closes <= opens) throw new Error('Opening hours line ' + (i + 1) + ' closes before it opens (tick "Until midnight" for 24:00).');
      return { weekday: Number(row.querySelector('.weekday').value), opens: opens, closes: closes };
    });
  }

  function saveHours(ev) {
    ev.preventDefault();
    return act($('hours-save'), 'hours-edit', async function () {
      var body = { timeZone: $('hours-tz').value.trim(), hours: readHours() };
      apply(await SB.api('PUT', base() + '/hours', body), 'hours');
    }, 'Opening hours saved.');
  }

  function renderClosures(list) {
    $('closures-rows').replaceChildren();
    list.slice().sort(function (a, b) { return a.firstDay < b.firstDay ? -1 : 1; }).forEach(addClosureRow);
    closuresEmpty();
  }

  function closuresEmpty() { $('closures-empty').hidden = $('closures-rows').childElementCount > 0; }

  function addClosureRow(c) {
    var row = el('div', null, 'row closure-row');
    var first = input('date', c ? c.firstDay : '', { required: '', class: 'first' });
    var last = input('date', c ? c.lastDay : '', { class: 'last' });
    var label = input('text', c ? c.label : '', { maxlength: '200', class: 'label', placeholder: 'e.g. Thanksgiving' });
    var remove = button('Remove', 'danger');
    remove.disabled = !state.canEdit;
    remove.addEventListener('click', function () { row.remove(); closuresEmpty(); });
    row.appendChild(labelled('First day', first));
    row.appendChild(labelled('Last day', last));
    row.appendChild(labelled('Name', label));
    row.appendChild(remove);
    $('closures-rows').appendChild(row);
    closuresEmpty();
  }

  function readClosures() {
    return Array.prototype.map.call($('closures-rows').children, function (row, i) {
      var firstDay = row.querySelector('.first').value;
      var lastDay = row.querySelector('.last').value || firstDay; // one day when no last day
      if (!firstDay) throw new Error('Closure ' + (i + 1) + ' needs a first day.');
      if (lastDay < firstDay) throw new Error('Closure ' + (i + 1) + ' ends before it starts.');
      return { firstDay: firstDay, lastDay: lastDay, label: row.querySelector('.label').value.trim() };
    });
  }

  function saveClosures(ev) {
    ev.preventDefault();
    return act($('closures-save'), 'closures-edit', async function () {
      apply(await SB.api('PUT', base() + '/closures', { closures: readClosures() }), 'closures');
    }, 'Closures saved.');
  }

  function renderAfterHours(after) {
    after = after || { action: 'voicemail', announcement: null, forwardTo: null };
    var action = $('after-action');
    // Forwarding is switched on by the company (never by this page): offer it only then.
    action.querySelector('option[value="forward"]').disabled = !after.forwardAllowed;
    action.value = after.action || 'voicemail';
    $('after-announcement').value = after.announcement || '';
    $('after-forward').value = after.forwardTo || '';
    text($('after-forward-allowed'), after.forwardAllowed
      ? 'Forwarding is enabled for your account.'
      : 'Forwarding is not enabled: forwarding must be enabled by the company.');
    afterFields();
  }

  function afterFields() {
    var action = $('after-action').value;
    $('after-announcement-label').hidden = action !== 'announcement';
    $('after-forward-label').hidden = action !== 'forward';
  }

  function saveAfterHours(ev) {
    ev.preventDefault();
    return act($('after-save'), 'after-hours-edit', async function () {
      var forwardTo = $('after-forward').value.replace(/[\s().-]/g, '');
      var body = { action: $('after-action').value, announcement: $('after-announcement').value.trim() || null, forwardTo: forwardTo || null };
      apply(await SB.api('PUT', base() + '/after-hours', body), 'after-hours');
    }, 'After-hours handling saved.');
  }

  // ---- 5. messages -----------------------------------------------------------------------------

  async function loadMessages(fresh) {
    var clientId = state.clientId;
    var unhandledOnly = $('messages-filter').value === 'unhandled';
    var params = { clientId: clientId, limit: 50, cursor: fresh ? null : state.messagesNext };
    if (unhandledOnly) params.handled = 'false';
    var page;
    try { page = await SB.api('GET', '/api/messages?' + query(params)); } catch (err) { return flash(err.message, false); }
    if (state.clientId !== clientId) return;
    if (fresh) {
      state.messages = [];
      state.audioUrls.forEach(function (u) { URL.revokeObjectURL(u); });
      state.audioUrls = [];
      $('messages').replaceChildren();
    }
    var list = (page.messages || []).filter(function (m) { return !unhandledOnly || !m.handled; });
    list.forEach(function (m) {
      state.messages.push(m);
      $('messages').appendChild(renderMessage(m));
    });
    state.messagesNext = page.next || null;
    $('messages-more').hidden = !state.messagesNext;
    $('messages-empty').hidden = state.messages.length > 0;
  }

  function renderMessage(m) {
    var li = el('li', null, 'message' + (m.handled ? ' handled' : ''));
    li.dataset.id = m.id;
    var meta = el('div', null, 'meta');
    meta.appendChild(el('span', SB.when(m.receivedAt), 'time'));
    meta.appendChild(el('span', m.kind === 'voicemail' ? 'Voicemail' + (m.durationMs ? ' ' + SB.secs(m.durationMs) : '') : 'Message', 'kind'));
    meta.appendChild(el('span', m.handled ? 'Handled' + (m.handledAt ? ' ' + SB.when(m.handledAt) : '') : 'Not handled', m.handled ? 'badge off' : 'badge on'));
    li.appendChild(meta);
    var caller = m.caller || {};
    var who = el('p', null, 'caller');
    who.appendChild(el('strong', caller.name || 'Unknown caller'));
    if (caller.number) who.appendChild(el('span', ' ' + caller.number, 'number'));
    li.appendChild(who);
    if (m.text) li.appendChild(el('p', m.text, 'body'));
    if (m.transcript) li.appendChild(el('p', 'Transcript: ' + m.transcript, 'body transcript'));
    if (!m.text && !m.transcript) li.appendChild(el('p', m.kind === 'voicemail' ? 'No transcript.' : '(empty)', 'hint'));
    if (m.flags && m.flags.length) li.appendChild(el('p', 'Note: ' + m.flags.join(', '), 'hint'));
    var buttons = el('div', null, 'buttons');
    if (m.audio) {
      var play = button('Play', 'play');
      play.addEventListener('click', function () { playAudio(m, li, play); });
      buttons.appendChild(play);
    }
    var mark = button(m.handled ? 'Mark not handled' : 'Mark handled', 'mark');
    mark.addEventListener('click', function () { markHandled(m, li, mark); });
    buttons.appendChild(mark);
    li.appendChild(buttons);
    return li;
  }

  /** Audio needs the bearer header, so it is fetched here and handed to <audio> as a blob URL. */
  function playAudio(m, li, btn) {
    return act(btn, 'message-play', async function () {
      var res = await fetch('/api/messages/' + encodeURIComponent(m.id) + '/audio?' + query({ clientId: state.clientId }), {
        headers: { authorization: 'Bearer ' + SB.token },
      });
      if (!res.ok) {
        var data = await res.json().catch(function () { return null; });
        throw new Error((data && data.error && data.error.message) || 'The recording could not be read (HTTP ' + res.status + ').');
      }
      var url = URL.createObjectURL(await res.blob());
      state.audioUrls.push(url);
      var audio = document.createElement('audio');
      audio.controls = true;
      audio.src = url;
      btn.replaceWith(audio);
      audio.play().catch(function () { /* autoplay refused: the controls start it */ });
    });
  }

  function markHandled(m, li, btn) {
    var handled = !m.handled;
    return act(btn, 'message-handled', async function () {
      var res = await SB.api('POST', '/api/messages/' + encodeURIComponent(m.id) + '/handled', { handled: handled, clientId: state.clientId });
      var view = res && res.message ? res.message : res;
      m.handled = view && typeof view.handled === 'boolean' ? view.handled : handled;
      m.handledAt = view && view.handledAt !== undefined ? view.handledAt : (handled ? new Date().toISOString() : null);
      if (m.handled && $('messages-filter').value === 'unhandled') {
        li.remove();
        state.messages = state.messages.filter(function (x) { return x !== m; });
        $('messages-empty').hidden = state.messages.length > 0;
      } else {
        var played = li.querySelector('audio');
        var fresh = renderMessage(m);
        if (played) fresh.querySelector('.play').replaceWith(played);
        li.replaceWith(fresh);
      }
    }, handled ? 'Marked handled.' : 'Marked not handled.');
  }

  // ---- 6. call log -----------------------------------------------------------------------------

  async function loadCalls() {
    var clientId = state.clientId;
    var list;
    try { list = (await SB.api('GET', '/api/calls?' + query({ clientId: clientId, limit: 100 }))).calls || []; } catch (err) { return flash(err.message, false); }
    if (state.clientId !== clientId) return;
    var body = $('calls-rows');
    body.replaceChildren();
    list.forEach(function (c) {
      var arrived = ms(c.arrivedAt);
      var answered = ms(c.answeredAt);
      var ended = ms(c.endedAt);
      var wait = c.waitMs != null ? c.waitMs : answered ? answered - arrived : ended ? ended - arrived : null;
      var row = el('tr');
      cell(row, SB.when(c.arrivedAt), 'Time');
      cell(row, c.callerName || 'Unknown', 'Caller');
      cell(row, c.callerNumber, 'Number');
      cell(row, c.outcome ? OUTCOMES[c.outcome] || c.outcome : ended ? '' : 'In progress', 'Outcome');
      cell(row, wait != null ? SB.secs(wait) : '', 'Wait');
      cell(row, answered && ended ? SB.secs(ended - answered) : '', 'Duration');
      body.appendChild(row);
    });
    $('calls-empty').hidden = list.length > 0;
    $('calls').hidden = list.length === 0;
    SB.used('portal', 'call-log-view');
  }

  // ---- 7. usage --------------------------------------------------------------------------------

  /** Billing months are UTC calendar months (src/analytics/billing.ts monthPeriod). */
  function thisMonth() { return new Date().toISOString().slice(0, 7); }
  function shiftMonth(month, by) {
    var d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1 + by, 1));
    return d.toISOString().slice(0, 7);
  }
  function monthName(month) {
    return new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1)).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  }

  async function loadUsage() {
    var clientId = state.clientId;
    var month = state.usageMonth || thisMonth();
    state.usageMonth = month;
    text($('usage-period'), monthName(month));
    $('usage-next').disabled = month >= thisMonth();
    var bill;
    try { bill = await SB.api('GET', '/api/analytics/billing?' + query({ clientId: clientId, period: month })); } catch (err) { return flash(err.message, false); }
    if (state.clientId !== clientId || state.usageMonth !== month) return;
    var box = $('usage');
    box.replaceChildren();
    function figure(name, value) {
      box.appendChild(el('dt', name));
      box.appendChild(el('dd', value));
    }
    var minutes = Number(bill.billableMinutes) || 0;
    figure('Billable minutes', Number.isInteger(minutes) ? String(minutes) : minutes.toFixed(1));
    figure('Calls billed', bill.callsBilled);
    figure('Calls not billed', bill.callsExcluded);
    SB.used('portal', 'usage-view');
  }

  function moveUsage(by) {
    var next = shiftMonth(state.usageMonth || thisMonth(), by);
    if (next > thisMonth()) return;
    state.usageMonth = next;
    void loadUsage();
  }

  // ---- wiring ----------------------------------------------------------------------------------

  function wire() {
    SECTIONS.forEach(function (s) { $('nav-' + s).addEventListener('click', function () { show(s); }); });
    window.addEventListener('hashchange', function () { show(location.hash.slice(1)); });
    $('signout').addEventListener('click', function () { reset(); $('signout').hidden = true; SB.signOut(); });
    $('client-picker').addEventListener('change', function () { void selectClient($('client-picker').value); });
    $('status-form').addEventListener('submit', postStatus);
    $('status-clear').addEventListener('click', clearStatus);
    $('greeting-form').addEventListener('submit', saveGreeting);
    $('contact-form').addEventListener('submit', saveContact);
    $('contact-new').addEventListener('click', newContact);
    $('hours-form').addEventListener('submit', saveHours);
    $('hours-add').addEventListener('click', function () { addHoursRow(null); });
    $('closures-form').addEventListener('submit', saveClosures);
    $('closures-add').addEventListener('click', function () { addClosureRow(null); });
    $('after-form').addEventListener('submit', saveAfterHours);
    $('after-action').addEventListener('change', afterFields);
    $('messages-filter').addEventListener('change', function () { void loadMessages(true); });
    $('messages-refresh').addEventListener('click', function () { void loadMessages(true); });
    $('messages-more').addEventListener('click', function () { void loadMessages(false); });
    $('calls-refresh').addEventListener('click', function () { void loadCalls(); });
    $('usage-prev').addEventListener('click', function () { moveUsage(-1); });
    $('usage-next').addEventListener('click', function () { moveUsage(1); });
  }

  wire();
  fillTimeZones();
  show(location.hash.slice(1) || 'status');
  SB.signIn(signedIn);
})();
