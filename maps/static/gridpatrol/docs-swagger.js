/* /docs: Swagger UI over the service's own OpenAPI document (the vendored bundle is loaded
 * first by this file, so that the page needs no inline script). */
(function () {
  'use strict';
  var me = document.currentScript;
  var base = me.src.replace(/gridpatrol\/docs-swagger\.js.*$/, '');
  var s = document.createElement('script');
  s.src = base + 'vendor/swagger-ui-dist/swagger-ui-bundle.js';
  s.onload = function () {
    window.ui = window.SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
    document.documentElement.setAttribute('data-docs-ready', '1');
  };
  document.head.appendChild(s);
})();
