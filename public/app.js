// Progressive enhancement only: every page works without it (see views/partials/form.njk).
(function () {
  'use strict';

  // The first field at fault gets the focus; without one, the error summary does (the server also sets autofocus).
  // Content swapped in by script has no autofocus of its own: the field the server marked gets it.
  function focusFirst(root, swapped) {
    var invalid = root.querySelector('[aria-invalid="true"]');
    var summary = root.querySelector('[data-error-summary]');
    var marked = swapped ? root.querySelector('[autofocus]') : null;
    if (invalid) invalid.focus();
    else if (summary) summary.focus();
    else if (marked) marked.focus();
  }

  // Show/hide password: a toggle button beside each password field; the field stays a password field without JS.
  function passwordToggles(root) {
    root.querySelectorAll('input[type=password][data-reveal]').forEach(function (input) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'reveal';
      button.textContent = input.getAttribute('data-reveal');
      button.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-controls', input.id);
      button.addEventListener('click', function () {
        var show = input.type === 'password';
        input.type = show ? 'text' : 'password';
        button.setAttribute('aria-pressed', String(show));
      });
      input.parentNode.appendChild(button);
      // Never leave a typed password shown when the form goes.
      if (input.form) input.form.addEventListener('submit', function () { input.type = 'password'; });
    });
  }

  // The SMS resend countdown. The server renders the button enabled and says from when; here it waits out the
  // seconds the server gave. The visible count is not live; the status says only the start and the end (at the start,
  // after a code was sent without a reload, what was sent too).
  function countdown(button, sentText) {
    var left = parseInt(button.getAttribute('data-cooldown'), 10) || 0;
    var form = button.form;
    var label = form.querySelector('.cooldown');
    var status = form.querySelector('[data-cooldown-status]');
    if (left <= 0 || !label) return;
    var template = label.getAttribute('data-template');
    var show = function () { label.textContent = template.replace('{s}', String(left)); };
    button.disabled = true;
    show();
    if (status) status.textContent = (sentText ? sentText + ' ' : '') + label.textContent;
    var timer = setInterval(function () {
      left -= 1;
      if (left > 0) return show();
      clearInterval(timer);
      button.disabled = false;
      label.textContent = '';
      if (status) status.textContent = label.getAttribute('data-ready');
    }, 1000);
  }

  // "Get code" beside the phone field: sent by fetch, and the screen the server answers (the same page, the number
  // filled in and the code field ready, or the refusal) replaces this one without a reload. Without fetch, or when
  // the answer is not a page, the button submits the form as it would without JavaScript.
  function sendCodeInPlace(form) {
    // Enter in the phone (or email) field asks for the code (elsewhere it sends the form: the server's default button).
    var phone = form.querySelector('input[name=phone_number], input[name=email]');
    var send = form.querySelector('button[data-send-code]');
    if (phone && send) {
      phone.addEventListener('keydown', function (event) {
        if (event.key !== 'Enter' || send.disabled) return;
        event.preventDefault();
        form.requestSubmit(send);
      });
    }
    form.addEventListener('submit', function (event) {
      var button = event.submitter;
      if (!button || !button.hasAttribute('data-send-code') || form.hasAttribute('data-plain-submit')) return;
      if (!window.fetch || !window.DOMParser) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (form.getAttribute('data-sending') === 'true') return;
      form.setAttribute('data-sending', 'true');
      button.setAttribute('aria-busy', 'true');
      button.disabled = true;
      var body = new URLSearchParams(new FormData(form));
      fetch(button.formAction, { method: 'POST', body: body, credentials: 'same-origin' })
        .then(function (res) { return res.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.querySelector('main');
          if (!fresh || !fresh.querySelector('form[data-phone-code]')) throw new Error('not the phone and code page');
          var main = document.querySelector('main');
          main.innerHTML = fresh.innerHTML;
          if (doc.title) document.title = doc.title;
          enhance(main, true);
        })
        .catch(function () {
          form.setAttribute('data-plain-submit', 'true');
          form.removeAttribute('data-sending');
          button.removeAttribute('aria-busy');
          button.disabled = false;
          form.requestSubmit(button);
        });
    });
  }

  // While a form is sent: its button busy and disabled, and a second click sends nothing.
  function busyWhileSending(form) {
    form.addEventListener('submit', function (event) {
      if (form.getAttribute('data-sending') === 'true') {
        event.preventDefault();
        return;
      }
      form.setAttribute('data-sending', 'true');
      var button = event.submitter || form.querySelector('button[type=submit]');
      if (!button) return;
      button.setAttribute('aria-busy', 'true');
      // Disabled after the submit event has taken the button's name and value into the request.
      setTimeout(function () { button.disabled = true; }, 0);
    });
  }

  // Captcha: "new picture" loads another image for the same challenge slot without leaving the page.
  function newPictureLinks(root) {
    root.querySelectorAll('a[data-new-picture]').forEach(function (link) {
      link.addEventListener('click', function (event) {
        var img = link.closest('.captcha').querySelector('img[data-captcha]');
        if (!img || !window.fetch) return;
        event.preventDefault();
        fetch(link.href, { credentials: 'same-origin', redirect: 'manual' }).then(function () {
          img.src = img.getAttribute('src').split('?')[0] + '?v=' + Date.now();
          var answer = link.closest('.captcha').querySelector('input');
          if (answer) { answer.value = ''; answer.focus(); }
        });
      });
    });
  }

  function enhance(root, swapped) {
    focusFirst(root, swapped);
    passwordToggles(root);
    root.querySelectorAll('form[data-phone-code]').forEach(sendCodeInPlace);
    root.querySelectorAll('form').forEach(busyWhileSending);
    var sent = swapped ? root.querySelector('[data-code-sent]') : null;
    root.querySelectorAll('button[data-cooldown]').forEach(function (button) {
      countdown(button, sent && sent.textContent);
    });
    newPictureLinks(root);
  }

  enhance(document, false);

  // Back to a page from the cache: the form can be sent again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-sending]').forEach(function (form) {
      form.removeAttribute('data-sending');
      form.querySelectorAll('button[aria-busy]').forEach(function (b) { b.removeAttribute('aria-busy'); b.disabled = false; });
    });
  });
})();
