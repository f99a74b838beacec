// Buttons with data-copy="<input id>" copy that field's value to the clipboard and say so in
// #copy-status (a polite live region). A static file, not an inline script, so pages run
// under the strict Content-Security-Policy.
(function () {
  var status = document.getElementById("copy-status");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      function done() { if (status) status.textContent = "Copied to the clipboard."; }
      function fallback() { field.select(); document.execCommand("copy"); done(); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else { fallback(); }
    });
  });
})();
