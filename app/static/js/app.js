// Starts GOV.UK Frontend's components once the page (or an htmx swap) has loaded them.
import { initAll } from '/static/vendor/govuk-frontend-6.3.0/govuk-frontend.min.js';

initAll();

// A table's scroll region (layouts/_table.html) is a tab stop only while the table is wider
// than the region, so that a keyboard user can scroll it; a region with nothing to scroll
// would be a stop that does nothing. The markup starts focusable (the fallback without
// JavaScript); a region is checked again whenever its size changes: a narrower window, a
// <details> opened, a section swapped in place.
const SCROLL_REGION = '.app-table-scroll';

function markScrollable (region) {
  if (region.scrollWidth > region.clientWidth) {
    region.setAttribute('tabindex', '0');
  } else {
    region.removeAttribute('tabindex');
  }
}

const scrollRegions = new ResizeObserver((entries) => {
  entries.forEach((entry) => markScrollable(entry.target));
});

function watchScrollRegions () {
  scrollRegions.disconnect(); // regions swapped out are no longer watched
  document.querySelectorAll(SCROLL_REGION).forEach((region) => {
    markScrollable(region);
    scrollRegions.observe(region);
  });
}

watchScrollRegions();

// After an in-place change the page title says whether the page now shows an error, as a
// full page with errors does ("Error: " first), so that a screen reader hears it.
const ERROR_PREFIX = 'Error: ';

function markTitle (hasError) {
  const title = document.title.startsWith(ERROR_PREFIX)
    ? document.title.slice(ERROR_PREFIX.length)
    : document.title;
  document.title = hasError ? ERROR_PREFIX + title : title;
}

document.addEventListener('htmx:afterSettle', (event) => {
  initAll({ scope: event.detail.elt });
  watchScrollRegions();
  if (event.detail.successful) {
    document.getElementById('app-request-error')?.remove();
  }
  markTitle(document.querySelector('#main-content .govuk-error-summary') !== null);
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
  markTitle(true);
  summary.focus();
}

document.addEventListener('htmx:responseError', (event) => {
  showRequestError(event.detail.xhr.status);
});
document.addEventListener('htmx:sendError', () => {
  showRequestError(0);
});
