// The admin's mail relay page: a test mail can take a while (the relay is
// dialled and must answer), so its button says so and cannot be pressed
// twice. The page works without it.
(function () {
  "use strict";
  var form = document.getElementById("test-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[data-busy]");
    if (!button) return;
    // Disabled after the event: the form is sent all the same.
    setTimeout(function () {
      button.disabled = true;
      button.textContent = button.dataset.busy;
    }, 0);
  });
})();
