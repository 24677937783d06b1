// The author's outbox. A post waits here until the server has it, and the posts go out in
// the order they were written, one at a time, each with an idempotency key of its own. No
// answer (offline, a timeout, a dropped response), a 5xx, a 408 or a 429 is tried again
// with back-off, with the same key, so the server keeps one post however often it arrives;
// any other 4xx stops that post, which waits with its error for the author to edit or
// discard it, and the next one goes on. So a post is never lost and never posted twice.
//
// new LiveblogOutbox({store, send, changed}): store keeps the posts ({all, add, put, remove},
// promises; all() in the order added); send(post) resolves to {status, text, retryAfter}
// or rejects when no answer came; changed(posts, retrying) is told of every change.
(function () {
  "use strict";

  const MAX_BACKOFF_SECONDS = 60;

  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs HTTPS
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function refused(answer) {
    return answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429;
  }

  class LiveblogOutbox {
    constructor({ store, send, changed, baseSeconds = 1, onSent = () => {} }) {
      Object.assign(this, { store, send, changed, baseSeconds, onSent });
      this.running = false;
      this.failures = 0;
      this.wake = () => {};
    }

    async refresh() {
      this.changed(await this.store.all(), this.failures > 0);
    }

    async add(fields) {
      await this.store.add({ ...fields, key: newKey(), queuedAt: Date.now(), error: null });
      await this.refresh();
      this.drain();
    }

    async discard(id) {
      await this.store.remove(id);
      await this.refresh();
    }

    // Take a post that was refused back out of the outbox, for the author to edit and post
    // again (as a new post, with a new key: the server stored nothing for the old one).
    async takeBack(id) {
      const post = (await this.store.all()).find((p) => p.id === id);
      await this.discard(id);
      return post;
    }

    backoff(answer) {
      const retryAfter = answer && Number(answer.retryAfter);
      const seconds = retryAfter > 0 ? retryAfter : Math.min(this.baseSeconds * 2 ** (this.failures - 1), MAX_BACKOFF_SECONDS);
      return seconds * 1000 * (0.8 + Math.random() * 0.4);
    }

    sleep(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
    }

    // Send until nothing is left that may be sent; one sender at a time, across tabs too
    // where the browser has Web Locks (another tab's sender would only post it again under
    // the same key, which the server answers with the first post).
    drain() {
      if (this.running) return this.wake();
      this.running = true;
      const run = () => this.sendAll()
        .catch(() => setTimeout(() => this.drain(), MAX_BACKOFF_SECONDS * 1000)) // the store failed: later
        .finally(() => { this.running = false; });
      return navigator.locks ? navigator.locks.request("liveblog-outbox", run) : run();
    }

    async sendAll() {
      for (;;) {
        const post = (await this.store.all()).find((p) => !p.error);
        if (!post) return this.refresh();
        let answer = null;
        try {
          answer = await this.send(post);
        } catch (e) { /* no answer: offline, timed out or dropped; try again */ }
        if (answer && answer.status < 400) {
          this.failures = 0;
          await this.store.remove(post.id);
          try {
            this.onSent(post, answer);
          } catch (e) { /* drawing it is not sending it: the page's next poll shows it */ }
        } else if (answer && refused(answer)) {
          await this.store.put({ ...post, error: answer.text || interpolate(gettext("The server refused it (%s)."), [answer.status]) });
        } else {
          this.failures += 1;
          await this.refresh();
          await this.sleep(this.backoff(answer));
        }
        await this.refresh();
      }
    }
  }

  window.LiveblogOutbox = LiveblogOutbox;
})();
