// Keeps a draft of long texts while they are typed, so that a session timeout or a closed tab
// loses nothing. A textarea opts in with data-autosave-url (the draft endpoint) and
// data-autosave-field; the form shows progress in its [data-autosave-status] element. Without
// JavaScript the form still works, just without drafts.
(function () {
  'use strict';

  var DELAY_MS = 1500;
  var SELECTOR = 'textarea[data-autosave-url]';
  var timers = new Map();
  var lastSent = new Map();

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || '';
    } catch (error) {
      var input = document.querySelector('input[name$="csrf_token"]');
      return input ? input.value : '';
    }
  }

  function showStatus(textarea, message) {
    var form = textarea.closest('form');
    var status = form && form.querySelector('[data-autosave-status]');
    if (status) {
      status.textContent = message;
    }
  }

  function save(textarea, keepalive) {
    if (lastSent.get(textarea) === textarea.value) {
      return;
    }
    var text = textarea.value;
    lastSent.set(textarea, text);
    var body = new URLSearchParams();
    body.set('field', textarea.getAttribute('data-autosave-field'));
    body.set('text', text);
    fetch(textarea.getAttribute('data-autosave-url'), {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: Boolean(keepalive),
      headers: { 'X-CSRFToken': csrfToken(), 'Accept': 'application/json' },
      body: body
    }).then(function (response) {
      if (!response.ok) {
        throw new Error('status ' + response.status);
      }
      return response.json();
    }).then(function (data) {
      showStatus(textarea, 'Draft saved at ' + data.saved_at + '. Save the form to keep your changes.');
    }).catch(function () {
      lastSent.delete(textarea);
      showStatus(textarea, 'Your draft could not be saved. Keep this page open and save the form.');
    });
  }

  function cancel(textarea) {
    clearTimeout(timers.get(textarea));
    timers.delete(textarea);
  }

  function flushAll() {
    timers.forEach(function (timer, textarea) {
      cancel(textarea);
      save(textarea, true);
    });
  }

  document.addEventListener('input', function (event) {
    var textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement) || !textarea.matches(SELECTOR)) {
      return;
    }
    cancel(textarea);
    timers.set(textarea, setTimeout(function () {
      timers.delete(textarea);
      save(textarea, false);
    }, DELAY_MS));
  });

  // The real save replaces the drafts: a draft written after it would only be noise.
  document.addEventListener('submit', function (event) {
    event.target.querySelectorAll(SELECTOR).forEach(cancel);
  }, true);

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') {
      flushAll();
    }
  });
  window.addEventListener('pagehide', flushAll);
})();
