// The copy button next to the feed URL on /me. The URL stays selectable in a
// read-only field, so copying by hand works without this file.
"use strict";
(function () {
  for (const button of document.querySelectorAll("button[data-copy-target]")) {
    const field = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus || "");
    if (!field) continue;
    const wrapper = button.closest("[hidden]");
    if (wrapper) wrapper.hidden = false;
    button.addEventListener("click", async () => {
      let copied = false;
      try {
        await navigator.clipboard.writeText(field.value);
        copied = true;
      } catch (error) {
        // Clipboard API refused (http, permissions): select the text for Ctrl+C instead.
        field.focus();
        field.select();
      }
      if (status) {
        status.textContent = copied ? "Copied to the clipboard." : "Selected: press Ctrl+C (or ⌘C) to copy.";
      }
    });
  }
  for (const field of document.querySelectorAll("input[data-select-on-focus]")) {
    field.addEventListener("focus", () => field.select());
  }
})();
