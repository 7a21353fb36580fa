// "Use my location" on the directory search: the browser's position fills the hidden lat/lon fields.
// Loaded as a module (the CSP allows scripts from 'self' only). Without JavaScript the button stays hidden and
// people type a town instead.
const button = document.getElementById("use-my-location");
const status = document.getElementById("locate-status");
const lat = document.getElementById("field-lat");
const lon = document.getElementById("field-lon");
const near = document.getElementById("field-near");

if (lat && lon && near && lat.value && lon.value && !near.value) {
  // A shared link with coordinates: keep them when the search is changed.
  lat.disabled = false;
  lon.disabled = false;
}

if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    status.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lat.value = position.coords.latitude.toFixed(4);
        lon.value = position.coords.longitude.toFixed(4);
        lat.disabled = false;
        lon.disabled = false;
        near.value = "";
        status.textContent = "Searching near your location.";
        button.form.requestSubmit();
      },
      () => {
        status.textContent = "Your location is not available: type a town or city instead.";
        near.focus();
      },
      { maximumAge: 600000, timeout: 10000 },
    );
  });
}
// Typing a place replaces the browser's location.
if (near) {
  near.addEventListener("input", () => {
    lat.disabled = true;
    lon.disabled = true;
  });
}
