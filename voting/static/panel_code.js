// The QR code on the invitation opens this page with the code in the URL fragment
// (never sent to the server). Put it in the code field and drop it from the address.
(function () {
  var code = decodeURIComponent((window.location.hash || "").slice(1));
  var field = document.getElementById("code");
  if (code && field && !field.value) { field.value = code; }
  if (code && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
})();
