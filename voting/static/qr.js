/* QR landing: the letter's QR code opens /stem/qr#CODE. The fragment never reaches
   the server or its logs; here it is read once, wiped from the address bar and the
   history, and sent with the normal code form (POST, with its CSRF token). */
(function () {
  "use strict";
  var code = (window.location.hash || "").slice(1);
  try { code = decodeURIComponent(code); } catch (e) { /* keep it as it is */ }
  code = code.trim();
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  if (!code) { return; }
  var form = document.getElementById("code-form");
  var input = document.getElementById("code");
  if (!form || !input) { return; }
  input.value = code;
  var status = document.getElementById("qr-status");
  if (status) { status.textContent = status.getAttribute("data-busy") || "Een moment geduld, uw code wordt gecontroleerd…"; }
  form.submit();
})();
