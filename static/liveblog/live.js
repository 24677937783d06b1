// Follows a session page live. htmx asks for the changes since the page's cursor and
// swaps in the next poller; this file decides when to ask, and applies each answer in
// place (insert, replace by id, remove) so the list is never redrawn and a reader's
// selection and scroll position survive. The reader may pause it (WCAG 2.2.2: changes then
// wait behind the count until Resume), sees whether it is live and when it last heard
// from the server, and may ask to be notified of key moments while the tab is hidden.
(function () {
  "use strict";

  const ORDER_KEY = "liveblog:order";
  const PAUSE_KEY = "liveblog:paused";
  const STATUS_LABELS = { live: gettext("Live"), upcoming: gettext("Upcoming"), ended: gettext("Ended") };
  const MAX_BACKOFF_SECONDS = 60;
  const list = document.getElementById("updates");
  if (!list || !window.htmx) return;

  const article = document.getElementById("session");
  const keyMoments = document.getElementById("key-moments");
  const keyList = keyMoments.querySelector("ol");
  const notice = document.getElementById("live-notice");
  const newButton = document.getElementById("new-updates");
  const orderButton = document.getElementById("order-toggle");
  const noUpdates = document.getElementById("no-updates");
  const controls = document.getElementById("live-controls");
  const stateLabel = document.getElementById("live-state-label");
  const lastHeard = document.getElementById("last-heard");
  const pauseButton = document.getElementById("pause-toggle");
  const notifyButton = document.getElementById("notify-toggle");
  const baseTitle = document.title;

  const pending = new Map(); // new updates held back while the reader is away from where they arrive
  const held = []; // while paused: every change the polls bring, in the order they came
  let paused = localStorage.getItem(PAUSE_KEY) === "1";
  let timer = null;
  let failures = 0;
  let unseenWhileHidden = 0;

  const poller = () => document.getElementById("live-poller");
  const newestFirst = () => list.dataset.order === "newest";
  // The page holds one page of updates when a link to the next one follows the list.
  const paged = () => document.getElementById("more-updates").tagName === "A";

  // --- when to poll -------------------------------------------------------------------

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const elt = poller();
      if (elt && elt.hasAttribute("data-hx-get")) htmx.trigger(elt, "poll");
    }, seconds * 1000);
  }

  function normalDelay() {
    const seconds = Number(poller().dataset.pollSeconds);
    return document.hidden ? seconds * 4 : seconds;
  }

  function isPolling() {
    const elt = poller();
    return Boolean(elt && elt.dataset.pollSeconds);
  }

  function backoffDelay(xhr) {
    const retryAfter = xhr && Number(xhr.getResponseHeader("Retry-After"));
    if (retryAfter > 0) return Math.min(retryAfter, 600);
    const base = Number(poller().dataset.pollSeconds) || 5;
    const seconds = Math.min(base * 2 ** failures, MAX_BACKOFF_SECONDS);
    return seconds * (0.8 + Math.random() * 0.4); // spread a crowd's retries
  }

  function onFailure(event) {
    failures += 1;
    notice.textContent = gettext("Reconnecting…");
    notice.dataset.state = "reconnecting";
    controls.dataset.state = "reconnecting";
    schedule(backoffDelay(event.detail.xhr));
  }

  function onPollerLoaded(elt) {
    failures = 0;
    const template = elt.querySelector("template");
    if (template) applyChanges(template.content);
    showStatus(elt);
    if (isPolling()) {
      if (notice.dataset.state === "reconnecting") {
        notice.textContent = "";
        delete notice.dataset.state;
      }
      delete controls.dataset.state;
      const time = new Date().toLocaleTimeString(document.documentElement.lang);
      lastHeard.textContent = interpolate(gettext("last heard from the server at %s"), [time]);
      schedule(normalDelay());
    } else {
      clearTimeout(timer);
      controls.hidden = true;
    }
  }

  function drawState() {
    const status = STATUS_LABELS[poller().dataset.status];
    stateLabel.textContent = paused ? interpolate(gettext("%s, paused"), [status]) : status;
  }

  function showStatus(elt) {
    drawState();
    const badge = document.querySelector(".session-header .status");
    badge.className = "status status-" + elt.dataset.status;
    badge.textContent = STATUS_LABELS[elt.dataset.status];
    if (elt.dataset.status === "ended") {
      notice.textContent = gettext("This session has ended.");
      notice.dataset.state = "ended";
    }
  }

  // --- applying changes ---------------------------------------------------------------

  function sortKey(li) {
    return [Number(li.dataset.created), Number(li.dataset.id)];
  }

  function comesBefore(a, b, newest) {
    const [ca, ia] = sortKey(a);
    const [cb, ib] = sortKey(b);
    const earlier = ca < cb || (ca === cb && ia < ib);
    return newest ? !earlier : earlier;
  }

  function insertInOrder(container, li, newest) {
    const next = Array.from(container.children).find((other) => comesBefore(li, other, newest));
    container.insertBefore(li, next || null);
  }

  function upsertUpdate(li, own) {
    const current = document.getElementById(li.id);
    const last = list.lastElementChild;
    if (current) {
      // Same version: nothing changed, keep the node (and any selection inside it).
      if (current.dataset.version !== li.dataset.version) current.replaceWith(li);
    } else if (paged() && last && comesBefore(last, li, newestFirst())) {
      // Beyond this page (a change to an update further on): its own page will show it.
    } else if (!own && (pending.has(li.id) || awayFromArrival())) {
      pending.set(li.id, li);
    } else {
      insertInOrder(list, li, newestFirst());
      localizeTimes(li);
    }
  }

  function upsertKeyMoment(li) {
    const current = document.getElementById(li.id);
    if (li.hasAttribute("data-unpinned")) {
      if (current) current.remove();
    } else if (current) {
      current.replaceWith(li);
    } else {
      insertInOrder(keyList, li, newestFirst());
    }
    localizeTimes(li);
  }

  function removeUpdate(id) {
    for (const elementId of ["update-" + id, "pinned-" + id]) {
      const elt = document.getElementById(elementId);
      if (elt) elt.remove();
    }
    pending.delete("update-" + id);
  }

  // `own`: the author's own change, shown where it belongs at once.
  function applyChanges(fragment, own) {
    if (!own) notifyKeyMoments(fragment);
    if (paused && !own) {
      held.push(...Array.from(fragment.children));
      return refreshChrome();
    }
    let arrived = 0;
    for (const li of Array.from(fragment.children)) {
      if (li.dataset.deleted) removeUpdate(li.dataset.deleted);
      else if (li.classList.contains("update")) {
        if (!document.getElementById(li.id) && !pending.has(li.id)) arrived += 1;
        upsertUpdate(li, own);
      }
      else upsertKeyMoment(li);
    }
    if (document.hidden && arrived) {
      unseenWhileHidden += arrived;
      document.title = "(" + unseenWhileHidden + ") " + baseTitle;
    }
    refreshChrome();
  }

  // What waits: new updates held back, and while paused every change (edits and deletes too).
  function waiting() {
    const ids = new Set(pending.keys());
    const changed = new Set();
    for (const li of held) {
      if (li.classList.contains("update")) (document.getElementById(li.id) ? changed : ids).add(li.id);
      else if (li.dataset.deleted) changed.add("update-" + li.dataset.deleted);
    }
    return { arrived: ids.size, changed: [...changed].filter((id) => !ids.has(id)).length };
  }

  function refreshChrome() {
    const { arrived, changed } = waiting();
    keyMoments.hidden = keyList.children.length === 0;
    noUpdates.hidden = list.children.length + arrived > 0;
    newButton.hidden = arrived + changed === 0;
    newButton.textContent = arrived
      ? interpolate(ngettext("%s new update", "%s new updates", arrived), [arrived])
      : interpolate(ngettext("%s update changed", "%s updates changed", changed), [changed]);
  }

  // --- new updates while the reader is elsewhere on the page ---------------------------

  function awayFromArrival() {
    const box = list.getBoundingClientRect();
    return newestFirst() ? box.top < -40 : box.bottom > window.innerHeight + 40;
  }

  function showPending() {
    if (held.length) {
      const fragment = document.createDocumentFragment();
      fragment.append(...held.splice(0));
      applyChanges(fragment, true);
    }
    for (const li of pending.values()) {
      insertInOrder(list, li, newestFirst());
      localizeTimes(li);
    }
    pending.clear();
    refreshChrome();
  }

  newButton.addEventListener("click", () => {
    showPending();
    const target = newestFirst() ? list.firstElementChild : list.lastElementChild;
    if (target) target.scrollIntoView({ block: newestFirst() ? "start" : "end" });
  });

  window.addEventListener("scroll", () => {
    if (pending.size && !paused && !awayFromArrival()) showPending();
  }, { passive: true });

  // --- pause and resume (WCAG 2.2.2), remembered in this browser --------------------------

  function setPaused(pause, announce) {
    paused = pause;
    localStorage.setItem(PAUSE_KEY, pause ? "1" : "0");
    pauseButton.textContent = pause ? gettext("Resume updates") : gettext("Pause updates");
    pauseButton.setAttribute("aria-pressed", String(pause));
    drawState();
    controls.dataset.paused = pause ? "true" : "false";
    if (!pause) showPending();
    if (announce && notice.dataset.state !== "reconnecting") {
      notice.textContent = pause ? gettext("Updates paused: new ones wait until you resume.") : gettext("Updates resumed.");
    }
  }

  pauseButton.addEventListener("click", () => setPaused(!paused, true));

  // --- key moments, notified while the tab is hidden (asked for on a click, per session) ----

  const NOTIFY_KEY = "liveblog:notify:" + location.pathname;
  const notified = new Set(Array.from(keyList.children, (li) => li.id));

  function notifying() {
    return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(NOTIFY_KEY) === "1";
  }

  function drawNotifyButton() {
    const can = "Notification" in window && Notification.permission !== "denied";
    notifyButton.hidden = !can;
    notifyButton.setAttribute("aria-pressed", String(notifying()));
    notifyButton.textContent = notifying() ? gettext("Notifying you of key moments") : gettext("Notify me of key moments");
  }

  notifyButton.addEventListener("click", async () => {
    if (notifying()) {
      localStorage.removeItem(NOTIFY_KEY);
    } else if ((await Notification.requestPermission()) === "granted") {
      localStorage.setItem(NOTIFY_KEY, "1");
    }
    drawNotifyButton();
  });

  function notifyKeyMoments(fragment) {
    for (const li of fragment.querySelectorAll('li[id^="pinned-"]:not([data-unpinned])')) {
      if (notified.has(li.id)) continue;
      notified.add(li.id);
      if (!notifying() || !document.hidden) continue;
      const id = li.id.replace("pinned-", "update-");
      const update = fragment.querySelector("#" + id + " .body") || li;
      const text = update.textContent.trim().replace(/\s+/g, " ");
      const note = new Notification(notifyButton.dataset.sessionTitle, { body: text.slice(0, 200), tag: id });
      note.onclick = () => {
        window.focus();
        showPending();
        location.hash = id;
        note.close();
      };
    }
  }

  // --- order ---------------------------------------------------------------------------

  function setOrder(order) {
    if (list.dataset.order !== order) {
      for (const container of [list, keyList]) {
        for (const li of Array.from(container.children).reverse()) container.appendChild(li);
      }
      list.dataset.order = article.dataset.order = order;
    }
    orderButton.textContent = (order === "newest" ? gettext("Newest first") : gettext("Oldest first")) + " ⇅";
    orderButton.setAttribute("aria-label", order === "newest"
      ? gettext("Showing newest first; switch to oldest first")
      : gettext("Showing oldest first; switch to newest first"));
  }

  // A page of updates turned over would show the wrong end of the session: ask for the other end.
  function chooseOrder(order, asked) {
    if (order !== list.dataset.order && paged() && !asked) location.search = "?order=" + order;
    else setOrder(order);
  }

  orderButton.addEventListener("click", () => {
    const order = newestFirst() ? "oldest" : "newest";
    localStorage.setItem(ORDER_KEY, order);
    chooseOrder(order, false);
  });

  // --- times in the reader's own zone ---------------------------------------------------

  // In the reader's own locale and time zone, whatever the page's language.
  const readersTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  function localizeTimes(root) {
    for (const time of root.querySelectorAll("time[datetime]")) {
      const when = new Date(time.getAttribute("datetime"));
      if (!isNaN(when)) time.title = interpolate(gettext("Your time: %s"), [readersTime.format(when)]);
    }
  }

  // --- start -----------------------------------------------------------------------------

  document.addEventListener("htmx:load", (event) => {
    if (event.detail.elt.id === "live-poller") onPollerLoaded(event.detail.elt);
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === list) localizeTimes(list); // the next page, appended
  });

  // A link to an update on another page of the session: the update's own page shows it.
  function followPermalink() {
    const match = /^#update-(\d+)$/.exec(location.hash);
    if (match && !document.getElementById("update-" + match[1])) {
      location.replace(poller().getAttribute("href") + "updates/" + match[1] + "/");
    }
  }
  window.addEventListener("hashchange", followPermalink);
  document.addEventListener("htmx:responseError", onFailure);
  document.addEventListener("htmx:sendError", onFailure);
  document.addEventListener("htmx:timeout", onFailure);

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    unseenWhileHidden = 0;
    document.title = baseTitle;
    if (isPolling()) schedule(0);
  });

  window.liveblog = { applyOwnChanges: (fragment) => applyChanges(fragment, true) };
  htmx.config.timeout = 10000; // a hung poll counts as failed, and backs off
  document.documentElement.classList.add("live-js");
  document.querySelector("nav.order").hidden = true;
  orderButton.hidden = false;
  if (isPolling()) {
    controls.hidden = false;
    setPaused(paused, false);
    drawNotifyButton();
  }
  const explicit = new URLSearchParams(location.search).get("order");
  chooseOrder(explicit || localStorage.getItem(ORDER_KEY) || list.dataset.order, Boolean(explicit));
  localizeTimes(document);
  followPermalink();
  if (isPolling()) schedule(normalDelay());
})();
