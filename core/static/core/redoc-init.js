// Starts Redoc on /api/redoc/ from a served file, so the page needs no inline script (CSP).
(function () {
  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) { return; }
  window.Redoc.init(container.getAttribute("data-schema-url"), {}, container);
})();
