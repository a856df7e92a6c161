// Progressive enhancement only: every page works without it. Counts down the SMS resend cooldown.
document.querySelectorAll('button[data-cooldown]').forEach(function (button) {
  var left = parseInt(button.getAttribute('data-cooldown'), 10) || 0;
  var label = button.parentNode.querySelector('.cooldown');
  var template = label ? label.getAttribute('data-template') : '';
  if (left <= 0) return;
  var timer = setInterval(function () {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      button.disabled = false;
      if (label) label.textContent = '';
    } else if (label) {
      label.textContent = template.replace('{s}', String(left));
    }
  }, 1000);
});
