// The author's desk on a session page: post by keyboard, keep the draft, paste a photo,
// and pin, edit or delete any update in place. Every request goes through htmx; the
// server answers with the changed items, which live.js applies like a poll's.
(function () {
  "use strict";

  const desk = document.getElementById("author-desk");
  if (!desk || !window.htmx || !window.liveblog) return;

  const form = document.getElementById("compose");
  const body = document.getElementById("compose-body");
  const image = document.getElementById("compose-image");
  const alt = document.getElementById("compose-alt");
  const pinned = document.getElementById("compose-pinned");
  const key = document.getElementById("compose-key");
  const error = document.getElementById("compose-error");
  const preview = document.getElementById("compose-preview");
  const result = document.getElementById("author-result");
  const tools = document.getElementById("author-tools");
  const list = document.getElementById("updates");
  const DRAFT = "liveblog:draft:" + desk.dataset.slug;

  // One key per draft: a double submit or a retry after a timeout posts once.
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs HTTPS
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- the draft survives a reload or a lost connection --------------------------------

  function saveDraft() {
    if (body.value || alt.value) {
      localStorage.setItem(DRAFT, JSON.stringify({ body: body.value, alt: alt.value, key: key.value }));
    } else {
      localStorage.removeItem(DRAFT);
    }
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(localStorage.getItem(DRAFT));
    } catch (e) { /* a damaged draft is dropped */ }
    body.value = (draft && draft.body) || "";
    alt.value = (draft && draft.alt) || "";
    key.value = (draft && draft.key) || newKey();
  }

  function clearCompose() {
    body.value = alt.value = image.value = "";
    pinned.checked = false;
    key.value = newKey();
    preview.replaceChildren();
    localStorage.removeItem(DRAFT);
    body.focus();
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  body.addEventListener("input", () => {
    saveDraft();
    if (body.value.trim()) showError("");
  });
  alt.addEventListener("input", saveDraft);

  // --- keyboard and paste ---------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    const field = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && field.matches("textarea[data-ctrl-enter]")) {
      event.preventDefault();
      field.form.requestSubmit();
    }
    if (event.key === "Escape" && field.closest(".edit-form")) field.closest(".edit-form").remove();
  });

  body.addEventListener("paste", (event) => {
    const photo = Array.from(event.clipboardData.files).find((file) => file.type.startsWith("image/"));
    if (!photo) return;
    event.preventDefault();
    const files = new DataTransfer();
    files.items.add(photo);
    image.files = files.files;
  });

  // --- requests and their answers -------------------------------------------------------

  document.addEventListener("htmx:confirm", (event) => {
    // Nothing to post: an empty box (a second Ctrl+Enter after posting) sends nothing.
    if (event.detail.elt === form && !body.value.trim() && !image.files.length) {
      event.preventDefault();
      showError(desk.dataset.emptyMessage);
      body.focus();
    }
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!desk.contains(event.detail.elt) && !list.contains(event.detail.elt)) return;
    const xhr = event.detail.xhr;
    if (xhr.status >= 400) {
      event.detail.shouldSwap = false;
      showError(xhr.responseText || "That did not work; try again.");
    } else {
      showError("");
    }
  });

  document.addEventListener("htmx:sendError", (event) => {
    if (desk.contains(event.detail.elt) || list.contains(event.detail.elt)) {
      showError("No connection: the draft is kept; try again.");
    }
  });

  document.addEventListener("htmx:timeout", (event) => {
    if (event.detail.elt === form) showError("The server did not answer in time; posting again will not post twice.");
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== result) return;
    const template = result.querySelector("template");
    if (template) window.liveblog.applyOwnChanges(template.content);
    result.replaceChildren();
    if (event.detail.requestConfig.elt === form) clearCompose();
  });

  // --- pin, edit and delete on every update -----------------------------------------------

  function decorate(li) {
    if (!li.classList || !li.classList.contains("update") || li.querySelector(".author-tools")) return;
    const id = li.dataset.id;
    const copy = tools.content.cloneNode(true);
    for (const button of copy.querySelectorAll("[data-hx-get], [data-hx-post]")) {
      const verb = button.hasAttribute("data-hx-get") ? "data-hx-get" : "data-hx-post";
      button.setAttribute(verb, button.getAttribute(verb).replace("/0/", "/" + id + "/"));
    }
    const pin = copy.querySelector('[data-action="pin"]');
    const isPinned = li.classList.contains("pinned");
    pin.textContent = isPinned ? "Unpin" : "Pin";
    pin.setAttribute("data-hx-vals", JSON.stringify({ pinned: isPinned ? "false" : "true" }));
    li.querySelector("header").appendChild(copy.querySelector(".author-tools"));
    li.appendChild(copy.querySelector(".edit-slot"));
    htmx.process(li);
  }

  document.addEventListener("click", (event) => {
    if (event.target.matches(".cancel-edit")) event.target.closest(".edit-form").remove();
  });

  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(decorate);
  }).observe(list, { childList: true });

  for (const li of list.children) decorate(li);
  restoreDraft();
})();
