// The upload and receipt pages' script: upload with per-file progress, then follow each
// receipt's status until it is processed. Pages work without it.
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text; // always text, never HTML
    return e;
  }

  // poll asks url for a receipt's status every second until it is
  // processed, calling show with each answer.
  function poll(url, show, done) {
    var tries = 0;
    function tick() {
      var x = new XMLHttpRequest();
      x.open("GET", url);
      x.setRequestHeader("Accept", "application/json");
      x.onload = function () {
        var r = null;
        try { r = JSON.parse(x.responseText); } catch (e) { r = null; }
        if (x.status === 200 && r) {
          show(r);
          if (r.processed) { if (done) done(r); return; }
        }
        if (++tries < 600) setTimeout(tick, tries < 30 ? 1000 : 5000);
      };
      x.onerror = function () { if (++tries < 600) setTimeout(tick, 5000); };
      x.send();
    }
    tick();
  }

  function setBadge(badge, r) {
    badge.textContent = r.label;
    badge.className = "badge status " + (r.processed ? (r.status === "COMPLETED" ? "done" : (r.status === "FAILED" || r.status === "UNRECOGNIZED" ? "failed" : "attention")) : "waiting");
    badge.setAttribute("data-status", r.status);
  }

  // The detail page of a receipt still being read reloads once it is done.
  var st = document.getElementById("receipt-status");
  if (st && st.getAttribute("data-status-url")) {
    poll(st.getAttribute("data-status-url"), function (r) { setBadge(st, r); }, function () { window.location.reload(); });
  }

  // Rows of a plain-form upload follow their receipts too.
  var rows = document.querySelectorAll("#uploads [data-status-url]");
  Array.prototype.forEach.call(rows, function (b) {
    poll(b.getAttribute("data-status-url"), function (r) { setBadge(b, r); });
  });

  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("files");
  var list = document.getElementById("uploads");
  var csrf = form.querySelector("input[name=csrf]").value;

  function send(file) {
    var li = el("li");
    li.appendChild(el("span", "name", file.name));
    var bar = el("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + file.name);
    li.appendChild(bar);
    var badge = el("span", "badge status waiting", "Uploading…");
    li.appendChild(badge);
    list.insertBefore(li, list.firstChild);

    var fd = new FormData();
    fd.append("csrf", csrf);
    fd.append("files", file, file.name);
    var x = new XMLHttpRequest();
    x.open("POST", form.action);
    x.setRequestHeader("Accept", "application/json");
    x.setRequestHeader("X-CSRF-Token", csrf);
    x.upload.onprogress = function (e) {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
    };
    x.onload = function () {
      var r = null;
      try { r = JSON.parse(x.responseText); } catch (e) { r = null; }
      if (x.status !== 200 || !r || !r.receipts || !r.receipts.length) {
        badge.textContent = (r && r.message) || ("Upload failed (" + x.status + ")");
        badge.className = "badge failed";
        bar.remove();
        return;
      }
      bar.value = 100;
      bar.remove();
      var rec = r.receipts[0];
      setBadge(badge, rec);
      var a = el("a", "open", "Open");
      a.href = rec.url;
      li.appendChild(a);
      li.setAttribute("data-receipt", rec.id);
      poll(rec.url + "/status", function (s) {
        setBadge(badge, s);
        if (s.processed) li.classList.add("processed");
      });
    };
    x.onerror = function () {
      badge.textContent = "Upload failed: the box could not be reached";
      badge.className = "badge failed";
    };
    x.send(fd);
  }

  function sendAll(files) {
    Array.prototype.forEach.call(files, send);
  }

  form.addEventListener("submit", function (e) {
    if (!input.files || !input.files.length) return; // the server says what is missing
    e.preventDefault();
    sendAll(input.files);
    form.reset();
  });

  var drop = document.getElementById("drop");
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) sendAll(e.dataTransfer.files);
  });
})();

// Receipt detail: where each value was read. A field's row and its box on
// the image carry the same data-box; pointing at or focusing either one
// highlights both. Without the script, the links still lead from one to
// the other and :target marks where they land.
(function () {
  "use strict";
  var marked = document.querySelectorAll("[data-box]");
  function mark(id, on) {
    Array.prototype.forEach.call(marked, function (e) {
      if (e.getAttribute("data-box") === id) e.classList.toggle("hl", on);
    });
  }
  Array.prototype.forEach.call(marked, function (e) {
    var id = e.getAttribute("data-box");
    ["mouseenter", "focusin"].forEach(function (t) { e.addEventListener(t, function () { mark(id, true); }); });
    ["mouseleave", "focusout"].forEach(function (t) { e.addEventListener(t, function () { mark(id, false); }); });
  });
})();
