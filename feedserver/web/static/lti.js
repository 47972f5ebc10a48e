// LTI launches without cookies: the 1EdTech "Client Side postMessages" and
// "postMessage Storage" flow (lti.put_data / lti.get_data), which Canvas offers
// through a frame named by lti_storage_target.
//
// login step:  store this login's binding in the platform's frame, then go on to
//              the platform's authorization page (even if storing failed: our
//              cookie may still work).
// launch step: read the binding back and confirm the launch with our server; the
//              answer (a whole page) replaces this one. If the platform does not
//              answer, the "open in a new tab" way is shown.
"use strict";
(function () {
  const TIMEOUT_MS = 4000;
  const box = document.getElementById("lti-storage");
  if (!box) return;
  const data = box.dataset;

  function platformFrame(name) {
    // In a frame, messages go to the parent or its named child; in a tab opened by Canvas, to the opener.
    const host = window.parent !== window ? window.parent : window.opener;
    if (!host) return null;
    if (name === "_parent") return host;
    try {
      return host.frames[name] || null;
    } catch (error) {
      return null;
    }
  }

  function messageId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // One request/response pair; resolves with the response message, rejects on error or timeout.
  function ask(subject, fields) {
    return new Promise((resolve, reject) => {
      const frame = platformFrame(data.target);
      if (!frame) {
        reject(new Error("no platform frame"));
        return;
      }
      const id = messageId();
      const timer = window.setTimeout(() => finish(new Error("the platform did not answer")), TIMEOUT_MS);
      function finish(error, message) {
        window.clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        if (error) reject(error); else resolve(message);
      }
      function onMessage(event) {
        const message = event.data;
        // Only the platform's own origin may answer, and only to this request.
        if (event.origin !== data.origin || !message || typeof message !== "object") return;
        if (message.subject !== subject + ".response" || message.message_id !== id) return;
        if (message.error) finish(new Error(String(message.error.code || "error")));
        else finish(null, message);
      }
      window.addEventListener("message", onMessage);
      frame.postMessage(Object.assign({ subject: subject, message_id: id }, fields), data.origin);
    });
  }

  function show(element, visible) {
    if (element) element.hidden = !visible;
  }

  // Put a page our server rendered in place of this one (scripts in it do not run, so load copy.js here).
  function replacePage(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    if (!main) throw new Error("no page");
    document.querySelector("main").replaceWith(main);
    document.title = page.title;
    if (main.querySelector("[data-copy-target]")) {
      const script = document.createElement("script");
      script.src = "/static/copy.js";
      document.body.appendChild(script);
    }
    main.focus();
  }

  if (data.step === "login") {
    ask("lti.put_data", { key: data.key, value: data.value })
      .catch(() => null)
      .then(() => window.location.replace(data.next));
    return;
  }

  if (data.step === "launch") {
    const checking = document.getElementById("lti-checking");
    const newTab = document.getElementById("lti-new-tab");
    show(newTab, false);
    show(checking, true);
    ask("lti.get_data", { key: data.key })
      .then((message) => {
        if (typeof message.value !== "string" || !message.value) throw new Error("nothing stored");
        const headers = { "Content-Type": "application/json" };
        headers[data.header] = "storage";
        return fetch(data.path, {
          method: "POST",
          credentials: "same-origin",
          headers: headers,
          body: JSON.stringify({ id_token: data.idToken, state: data.state, value: message.value }),
        });
      })
      .then((response) => response.text().then((html) => {
        replacePage(html);
        if (response.ok) {
          // The binding is used up: free the platform's storage (an empty value clears the key).
          ask("lti.put_data", { key: data.key, value: "" }).catch(() => null);
        }
      }))
      .catch(() => {
        show(checking, false);
        show(newTab, true);
      });
  }
})();
