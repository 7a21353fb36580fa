// PeerPath's own script, loaded as an ES module (the CSP allows scripts from 'self' only, nothing inline).
//
// nhsuk-frontend's reference template sets these body classes with an inline script; we set them here, then
// start every nhsuk component on the page (header menu, error summary focus, skip link, checkboxes...).
import { initAll } from "../vendor/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// Content swapped in by htmx gets the same treatment.
document.body.addEventListener("htmx:afterSettle", (event) => {
  initAll({ scope: event.target });
});
