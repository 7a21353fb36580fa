// The "Print" button of the printed prescription. Loaded as a module (the CSP allows scripts from 'self' only,
// nothing inline). Without JavaScript the button stays hidden and the page says to print from the browser.
const button = document.getElementById("print-page");

if (button && typeof window.print === "function") {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
