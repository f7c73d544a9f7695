// Starts GOV.UK Frontend's components once the page (or an htmx swap) has loaded them.
import { initAll } from '/static/vendor/govuk-frontend-6.3.0/govuk-frontend.min.js';

initAll();

document.addEventListener('htmx:afterSettle', (event) => {
  initAll({ scope: event.detail.elt });
});

// htmx 2 does not swap 4xx and 5xx answers, so a refused in-place change (an expired form,
// say) would otherwise look as if nothing happened: say so, as a GOV.UK error summary.
function showRequestError (status) {
  const main = document.getElementById('main-content');
  if (!main) {
    return;
  }
  document.getElementById('app-request-error')?.remove();
  const summary = document.createElement('div');
  summary.id = 'app-request-error';
  summary.className = 'govuk-error-summary';
  summary.setAttribute('tabindex', '-1');
  summary.setAttribute('role', 'alert');
  const title = document.createElement('h2');
  title.className = 'govuk-error-summary__title';
  title.textContent = 'There is a problem';
  const body = document.createElement('p');
  body.className = 'govuk-body';
  body.textContent = status === 400 || status === 403
    ? 'Your change was not saved: the page may have expired. Refresh the page and try again.'
    : 'Your change was not saved. Try again, or refresh the page.';
  summary.append(title, body);
  main.prepend(summary);
  summary.focus();
}

document.addEventListener('htmx:responseError', (event) => {
  showRequestError(event.detail.xhr.status);
});
document.addEventListener('htmx:sendError', () => {
  showRequestError(0);
});
