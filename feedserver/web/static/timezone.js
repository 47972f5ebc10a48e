// The connect form's hidden time-zone field, filled with this browser's zone
// (Intl.DateTimeFormat). Without scripts the form shows a plain <select> instead.
"use strict";
(function () {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    zone = "";
  }
  for (const field of document.querySelectorAll("input[data-browser-time-zone]")) {
    field.value = zone;
  }
})();
