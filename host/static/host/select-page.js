// The manual queue's "Select this page" box ticks or clears every row's box. A static file,
// not an inline script, so the page runs under the strict Content-Security-Policy.
(function () {
  var all = document.getElementById("select-page");
  if (!all) return;
  all.addEventListener("change", function (e) {
    document.querySelectorAll(".row-select").forEach(function (box) { box.checked = e.target.checked; });
  });
})();
