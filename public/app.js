// Progressive enhancement only: every page works without it (see views/partials/form.njk).
(function () {
  'use strict';

  // The first field at fault gets the focus; without one, the error summary does (the server also sets autofocus).
  var invalid = document.querySelector('[aria-invalid="true"]');
  var summary = document.querySelector('[data-error-summary]');
  if (invalid) invalid.focus();
  else if (summary) summary.focus();

  // Show/hide password: a toggle button beside each password field; the field stays a password field without JS.
  document.querySelectorAll('input[type=password][data-reveal]').forEach(function (input) {
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

  // While a form is sent: its button busy and disabled, and a second click sends nothing.
  document.querySelectorAll('form').forEach(function (form) {
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
  });
  // Back to a page from the cache: the form can be sent again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-sending]').forEach(function (form) {
      form.removeAttribute('data-sending');
      form.querySelectorAll('button[aria-busy]').forEach(function (b) { b.removeAttribute('aria-busy'); b.disabled = false; });
    });
  });

  // The SMS resend countdown. The server renders the button enabled and says from when; here it waits out the
  // seconds the server gave. The visible count is not live; the status says only the start and the end.
  document.querySelectorAll('button[data-cooldown]').forEach(function (button) {
    var left = parseInt(button.getAttribute('data-cooldown'), 10) || 0;
    var form = button.form;
    var label = form.querySelector('.cooldown');
    var status = form.querySelector('[data-cooldown-status]');
    if (left <= 0 || !label) return;
    var template = label.getAttribute('data-template');
    var show = function () { label.textContent = template.replace('{s}', String(left)); };
    button.disabled = true;
    show();
    if (status) status.textContent = label.textContent;
    var timer = setInterval(function () {
      left -= 1;
      if (left > 0) return show();
      clearInterval(timer);
      button.disabled = false;
      label.textContent = '';
      if (status) status.textContent = label.getAttribute('data-ready');
    }, 1000);
  });

  // Captcha: "new picture" loads another image for the same challenge slot without leaving the page.
  document.querySelectorAll('a[data-new-picture]').forEach(function (link) {
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
})();
