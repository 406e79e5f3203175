// The account page: a button that copies the new credentials' headers.
// Without it (no script, or a browser that refuses), the text is there to
// select and copy by hand.
(function () {
  "use strict";
  var btn = document.getElementById("copy-credentials");
  var pre = document.getElementById("credentials");
  var status = document.getElementById("copy-status");
  if (!btn || !pre || !status) return;
  btn.hidden = false;

  // byHand selects the headers and copies them the old way; if the
  // browser will not, it says how.
  function byHand() {
    var range = document.createRange();
    range.selectNodeContents(pre);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    status.textContent = ok ? "Copied." : "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
  }

  btn.addEventListener("click", function () {
    // The clipboard API exists only over HTTPS or on localhost; the box is
    // often reached over plain HTTP on the shop's network.
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(pre.textContent).then(function () {
        status.textContent = "Copied.";
      }, byHand);
      return;
    }
    byHand();
  });
})();
