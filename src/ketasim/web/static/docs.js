// Swagger UI for the clinic API, served from the vendored bundle (no CDN, no inline script).
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
