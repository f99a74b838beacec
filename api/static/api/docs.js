// Starts Swagger UI on /api/v1/docs/ from the element's data-schema-url (a static file, so the
// page needs no inline script). Nothing is fetched from another origin: the validator badge is
// off, and "Try it out" calls this host.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    showExtensions: true,
    showCommonExtensions: true,
    displayOperationId: true,
    defaultModelsExpandDepth: 0,
    docExpansion: "list",
    persistAuthorization: false,
  });
});
