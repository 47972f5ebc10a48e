// Progressive enhancement of the landing page's school picker: filter the
// server-rendered list as the student types. Without this file the search
// form still works (it reloads the page with ?q=...).
"use strict";
(function () {
  const input = document.getElementById("school-q");
  const list = document.getElementById("school-list");
  const count = document.getElementById("school-count");
  const missing = document.getElementById("school-missing");
  if (!input || !list || !count || !missing) return;
  // The server may have filtered already; filtering client-side needs every school.
  if (new URLSearchParams(window.location.search).get("q")) return;
  const items = Array.from(list.querySelectorAll("li[data-school]"));
  const hostLike = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

  function normalise(text) {
    return text.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  }

  function update() {
    const raw = input.value.trim().toLowerCase();
    const words = raw.includes(".") ? [normalise(raw)] : raw.split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const item of items) {
      const haystack = item.dataset.school || "";
      const match = words.every((w) => haystack.includes(w));
      item.hidden = !match;
      if (match) shown += 1;
    }
    const plural = shown === 1 ? "school" : "schools";
    count.textContent = raw ? `${shown} ${plural} match “${input.value.trim()}”.` : `${shown} ${plural} available.`;
    missing.hidden = shown > 0;
    const link = document.getElementById("school-missing-link");
    if (link) {
      const host = normalise(raw);
      link.href = hostLike.test(host) ? `/schools/not-yet?host=${encodeURIComponent(host)}` : "/schools/not-yet";
      link.textContent = hostLike.test(host) ? `Ask for ${host}` : "My school is not listed";
    }
  }

  input.addEventListener("input", update);
})();
