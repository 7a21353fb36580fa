/* Starts Swagger UI on the API docs page. Kept in a file, not inline, so the CSP can forbid inline script. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // The public validator is another host: the CSP forbids it, and the docs must work offline.
    validatorUrl: null,
    requestInterceptor: function (request) {
      // Session requests that change something need the CSRF token (the cookie is HttpOnly).
      if (csrfToken) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
})();
