// Starts GOV.UK Frontend's components once the page (or an htmx swap) has loaded them.
import { initAll } from '/static/vendor/govuk-frontend-6.3.0/govuk-frontend.min.js';

initAll();

document.addEventListener('htmx:afterSettle', (event) => {
  initAll({ scope: event.detail.elt });
});
