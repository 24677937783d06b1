// The author's desk on a session page: post by keyboard into the outbox (outbox.js), keep
// the draft, paste a photo, and pin, edit or delete any update in place. Pins, edits and
// deletes go through htmx; the server answers with the changed items, which live.js
// applies like a poll's.
(function () {
  "use strict";

  const desk = document.getElementById("author-desk");
  if (!desk || !window.htmx || !window.liveblog || !window.LiveblogOutbox) return;

  const form = document.getElementById("compose");
  const body = document.getElementById("compose-body");
  const image = document.getElementById("compose-image");
  const alt = document.getElementById("compose-alt");
  const photoSize = document.getElementById("compose-photo-size");
  const pinned = document.getElementById("compose-pinned");
  const error = document.getElementById("compose-error");
  const preview = document.getElementById("compose-preview");
  const result = document.getElementById("author-result");
  const tools = document.getElementById("author-tools");
  const list = document.getElementById("updates");
  const outboxSection = document.getElementById("outbox");
  const outboxStatus = document.getElementById("outbox-status");
  const outboxList = document.getElementById("outbox-posts");
  const slug = desk.dataset.slug;
  const DRAFT = "liveblog:draft:" + slug;
  let photo = Promise.resolve(null); // the chosen photo as it will be sent, once made smaller

  // --- the draft survives a reload or a lost connection --------------------------------

  function saveDraft() {
    if (body.value || alt.value) {
      localStorage.setItem(DRAFT, JSON.stringify({ body: body.value, alt: alt.value }));
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
  }

  function clearCompose() {
    body.value = alt.value = image.value = photoSize.textContent = "";
    photo = Promise.resolve(null);
    pinned.checked = false;
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

  // --- the outbox: IndexedDB in this browser, sent in order by outbox.js ----------------

  const database = new Promise((resolve, reject) => {
    const request = indexedDB.open("liveblog-outbox", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("posts", { keyPath: "id", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  function inStore(mode, work) {
    return database.then((db) => new Promise((resolve, reject) => {
      const transaction = db.transaction("posts", mode);
      const request = work(transaction.objectStore("posts"));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
    }));
  }

  const store = {
    all: () => inStore("readonly", (posts) => posts.getAll()), // in the order written: ids only grow
    add: (post) => inStore("readwrite", (posts) => posts.add(post)),
    put: (post) => inStore("readwrite", (posts) => posts.put(post)),
    remove: (id) => inStore("readwrite", (posts) => posts.delete(id)),
  };

  async function send(post) {
    const fields = new FormData();
    fields.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    for (const name of ["body", "image_alt", "key"]) fields.append(name, post[name]);
    if (post.pinned) fields.append("pinned", "true");
    if (post.image) fields.append("image", post.image, post.image.name || "photo");
    const response = await fetch(`/sessions/${encodeURIComponent(post.slug)}/updates/`, {
      method: "POST", body: fields, headers: { "HX-Request": "true" }, signal: AbortSignal.timeout(30000),
    });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get("Retry-After") };
  }

  function sent(post, answer) {
    if (post.slug !== slug) return;
    const template = new DOMParser().parseFromString(answer.text, "text/html").querySelector("template");
    if (template) window.liveblog.applyOwnChanges(template.content);
  }

  function drawPost(post) {
    const item = document.createElement("li");
    item.className = "queued" + (post.error ? " refused" : "");
    item.dataset.id = post.id;
    const label = document.createElement("span");
    label.className = "badge";
    label.textContent = post.error ? gettext("Not posted") : gettext("Not sent yet");
    const text = document.createElement("p");
    text.textContent = post.body || interpolate(gettext("(photo) %s"), [post.image_alt]);
    item.append(label, text);
    if (post.slug !== slug) text.prepend(interpolate(gettext("In %s: "), [post.slug]));
    if (post.image) item.append(Object.assign(document.createElement("span"), { className: "hint", textContent: gettext("With a photo") }));
    if (post.error) {
      const why = Object.assign(document.createElement("p"), { className: "compose-error", textContent: post.error });
      why.setAttribute("role", "alert");
      const edit = Object.assign(document.createElement("button"), { type: "button", textContent: gettext("Edit") });
      const discard = Object.assign(document.createElement("button"), { type: "button", textContent: gettext("Discard") });
      edit.dataset.outbox = "edit";
      discard.dataset.outbox = "discard";
      item.append(why, edit, " ", discard);
    }
    return item;
  }

  function drawOutbox(posts, retrying) {
    outboxList.replaceChildren(...posts.map(drawPost));
    outboxSection.hidden = posts.length === 0;
    // A refused post waits for the author, not for the network: count it apart.
    const refused = posts.filter((post) => post.error).length;
    const parts = [];
    if (posts.length > refused) {
      const count = posts.length - refused;
      const waiting = interpolate(ngettext("%s waiting to send", "%s waiting to send", count), [count]);
      parts.push(retrying ? interpolate(gettext("%s: no connection, trying again…"), [waiting]) : waiting);
    }
    if (refused) parts.push(interpolate(ngettext("%s refused: edit or discard it", "%s refused: edit or discard them", refused), [refused]));
    outboxStatus.textContent = parts.join("; ");
  }

  const outbox = new window.LiveblogOutbox({ store, send, changed: drawOutbox, onSent: sent });

  // The post is read from the box when it is sent and the box is free at once: the author may
  // write the next one while this one's photo is still being made smaller. Posts join the
  // outbox in the order they were sent, each when its photo is ready.
  let joining = Promise.resolve();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!body.value.trim() && !image.files.length) {
      showError(desk.dataset.emptyMessage);
      body.focus();
      return;
    }
    showError("");
    const post = { slug, body: body.value, image_alt: alt.value, pinned: pinned.checked };
    const itsPhoto = photo;
    clearCompose();
    joining = joining.then(async () => outbox.add({ ...post, image: await itsPhoto }));
  });

  outboxList.addEventListener("click", async (event) => {
    const action = event.target.dataset.outbox;
    if (!action) return;
    const id = Number(event.target.closest("li").dataset.id);
    if (action === "discard") return outbox.discard(id);
    const post = await outbox.takeBack(id); // back into the box, to be fixed and posted anew
    body.value = body.value.trim() ? `${body.value}\n\n${post.body}` : post.body;
    alt.value = post.image_alt;
    pinned.checked = post.pinned;
    if (post.image) {
      const files = new DataTransfer();
      files.items.add(new File([post.image], post.image.name || "photo", { type: post.image.type }));
      image.files = files.files;
      photo = Promise.resolve(image.files[0]);
    }
    saveDraft();
    body.focus();
  });

  window.addEventListener("online", () => outbox.drain()); // a hint to try now; failures decide

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
    const pasted = Array.from(event.clipboardData.files).find((file) => file.type.startsWith("image/"));
    if (!pasted) return;
    event.preventDefault();
    const files = new DataTransfer();
    files.items.add(pasted);
    image.files = files.files;
    takePhoto(pasted);
  });

  // --- a photo fit for conference Wi-Fi ----------------------------------------------------

  const PHOTO_BOX = 1600; // the server's IMAGE_BOX: it draws every photo again to fit it anyway

  function size(bytes) {
    const megabytes = bytes >= 1e6;
    const number = (megabytes ? bytes / 1e6 : Math.ceil(bytes / 1e3)).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 });
    return interpolate(megabytes ? gettext("%s MB") : gettext("%s kB"), [number]);
  }

  function encode(canvas, type) {
    return new Promise((resolve) => canvas.toBlob(resolve, type, 0.85));
  }

  // The photo upright (from its EXIF orientation), within PHOTO_BOX, as WebP where the browser
  // writes it and else JPEG; a canvas carries no metadata, so the GPS position stays behind. A
  // file the browser cannot decode (HEIC, on some) goes as it is, for the server to decide.
  async function fitPhoto(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      return file;
    }
    const scale = Math.min(1, PHOTO_BOX / Math.max(bitmap.width, bitmap.height));
    const canvas = Object.assign(document.createElement("canvas"), {
      width: Math.round(bitmap.width * scale),
      height: Math.round(bitmap.height * scale),
    });
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    let blob = await encode(canvas, "image/webp");
    if (!blob || blob.type !== "image/webp") blob = await encode(canvas, "image/jpeg");
    if (!blob) return file;
    const name = (file.name || "photo").replace(/\.[^.]*$/, "") + (blob.type === "image/webp" ? ".webp" : ".jpg");
    return new File([blob], name, { type: blob.type });
  }

  function takePhoto(file) {
    photoSize.textContent = gettext("Making the photo smaller…");
    const fitting = fitPhoto(file).catch(() => file);
    photo = fitting;
    fitting.then((fitted) => {
      if (photo !== fitting) return; // sent, cleared or replaced meanwhile
      photoSize.textContent = fitted === file
        ? interpolate(gettext("Photo: %s, sent as it is"), [size(file.size)])
        : interpolate(gettext("Photo: %s → %s"), [size(file.size), size(fitted.size)]);
    });
  }

  image.addEventListener("change", () => {
    if (image.files.length) return takePhoto(image.files[0]);
    photo = Promise.resolve(null);
    photoSize.textContent = "";
  });

  // --- pin, edit and delete: htmx requests and their answers ----------------------------

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!desk.contains(event.detail.elt) && !list.contains(event.detail.elt)) return;
    const xhr = event.detail.xhr;
    if (xhr.status >= 400) {
      event.detail.shouldSwap = false;
      showError(xhr.responseText || gettext("That did not work; try again."));
    } else {
      showError("");
    }
  });

  document.addEventListener("htmx:sendError", (event) => {
    if (desk.contains(event.detail.elt) || list.contains(event.detail.elt)) showError(gettext("No connection: try again."));
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== result) return;
    const template = result.querySelector("template");
    if (template) window.liveblog.applyOwnChanges(template.content);
    result.replaceChildren();
  });

  // --- pin, edit and delete on every update -----------------------------------------------

  function decorate(li) {
    if (!li.classList || !li.classList.contains("update") || li.querySelector(".author-tools")) return;
    // A contributor changes only their own updates (the server refuses the rest all the same).
    if (!desk.hasAttribute("data-editor") && li.dataset.author !== desk.dataset.user) return;
    const id = li.dataset.id;
    const copy = tools.content.cloneNode(true);
    for (const button of copy.querySelectorAll("[data-hx-get], [data-hx-post]")) {
      const verb = button.hasAttribute("data-hx-get") ? "data-hx-get" : "data-hx-post";
      button.setAttribute(verb, button.getAttribute(verb).replace("/0/", "/" + id + "/"));
    }
    const pin = copy.querySelector('[data-action="pin"]');
    const isPinned = li.classList.contains("pinned");
    pin.textContent = isPinned ? gettext("Unpin") : gettext("Pin");
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
  outbox.drain(); // what an earlier page left waiting, in this session or another
})();
