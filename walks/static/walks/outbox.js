/* The outbox: every upload is first written to IndexedDB, then sent until acknowledged.
 *
 * Items carry the id made on the phone (client_uuid), so a resend after a lost answer is a
 * harmless replay: the server answers 200 with the stored record. An item is "queued" until
 * the server answers 2xx ("saved"); a 4xx other than 408/429 means the server refused it
 * ("rejected", with the message); network errors, 408, 429 and 5xx are retried with
 * exponential backoff (1 s doubling to 60 s, with jitter). An item with a `parent` (a photo of
 * a finding) waits until its parent is saved. `options.headers` is an object, or a function
 * called at each send (e.g. for a CSRF token); `options.credentials` is the fetch credentials
 * mode ("omit" unless a page that logs in, such as the shift report, asks for "same-origin").
 */
(function () {
  "use strict";

  var DB_NAME = "trygg-outbox";
  var STORE = "items";
  var MAX_DELAY_MS = 60000;
  var TIMEOUT_MS = 20000;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("scope", "scope");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function firstMessage(body) {
    if (!body) return "";
    if (typeof body === "string") return body;
    if (Array.isArray(body)) return firstMessage(body[0]);
    var keys = Object.keys(body);
    for (var i = 0; i < keys.length; i++) {
      var value = body[keys[i]];
      var text = firstMessage(value);
      if (text) return keys[i] === "detail" || keys[i] === "non_field_errors" ? text : keys[i] + ": " + text;
    }
    return "";
  }

  function Outbox(scope, options) {
    this.scope = scope;
    this.options = options || {};
    this.busy = false;
    this.dbPromise = openDb();
  }

  Outbox.prototype._store = function (mode) {
    return this.dbPromise.then(function (db) {
      return db.transaction(STORE, mode).objectStore(STORE);
    });
  };

  Outbox.prototype.get = function (id) {
    return this._store("readonly").then(function (store) { return promised(store.get(id)); });
  };

  Outbox.prototype.save = function (item) {
    return this._store("readwrite").then(function (store) { return promised(store.put(item)); });
  };

  Outbox.prototype.all = function () {
    var scope = this.scope;
    return this._store("readonly").then(function (store) {
      return promised(store.index("scope").getAll(scope));
    }).then(function (items) {
      return items.sort(function (a, b) { return a.created - b.created; });
    });
  };

  /* Queue an upload: {id, kind, url, json} or {id, kind, url, form: {fields, file, fileName}}. */
  Outbox.prototype.add = function (item) {
    var self = this;
    var record = Object.assign(
      { scope: this.scope, state: "queued", attempts: 0, nextTry: 0, created: Date.now() },
      item
    );
    return this.get(record.id).then(function (existing) {
      if (existing) return existing;
      return self.save(record).then(function () { return record; });
    }).then(function (stored) {
      self._changed();
      self.flush();
      return stored;
    });
  };

  Outbox.prototype._changed = function () {
    if (this.options.onChange) this.options.onChange();
  };

  Outbox.prototype._send = function (item) {
    var extra = this.options.headers;
    var headers = Object.assign({}, (typeof extra === "function" ? extra() : extra) || {});
    var body;
    if (item.form) {
      body = new FormData();
      Object.keys(item.form.fields || {}).forEach(function (k) { body.append(k, item.form.fields[k]); });
      if (item.form.file) body.append(item.form.fileField || "photo", item.form.file, item.form.fileName || "photo.jpg");
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.json);
    }
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(item.url, {
      method: "POST", headers: headers, body: body, signal: controller.signal, credentials: this.options.credentials || "omit",
    }).finally(function () { clearTimeout(timer); });
  };

  Outbox.prototype._backoff = function (item, reason) {
    item.attempts += 1;
    var delay = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, item.attempts));
    item.nextTry = Date.now() + delay * (0.5 + Math.random() * 0.5);
    item.state = "queued";
    item.error = reason || "";
    return this.save(item);
  };

  /* Send what is due; resolves when this round is over. */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.busy) return Promise.resolve();
    this.busy = true;
    return this.all().then(function (items) {
      var byId = {};
      items.forEach(function (i) { byId[i.id] = i; });
      var due = items.filter(function (i) {
        return i.state === "queued" && i.nextTry <= Date.now();
      });
      var chain = Promise.resolve(false);
      due.forEach(function (item) {
        chain = chain.then(function (networkDown) {
          if (networkDown) return true;
          var parent = item.parent ? byId[item.parent] : null;
          if (item.parent && (!parent || parent.state !== "saved")) {
            if (parent && parent.state === "rejected") {
              item.state = "rejected";
              item.error = parent.error;
              return self.save(item).then(function () { return false; });
            }
            return false;
          }
          item.state = "sending";
          self._changed();
          return self._send(item).then(function (response) {
            if (response.ok) {
              return response.json().catch(function () { return null; }).then(function (body) {
                item.state = "saved";
                item.result = body;
                item.error = "";
                return self.save(item).then(function () { return false; });
              });
            }
            if (response.status === 408 || response.status === 429 || response.status >= 500) {
              return self._backoff(item, "HTTP " + response.status).then(function () { return false; });
            }
            return response.json().catch(function () { return null; }).then(function (body) {
              item.state = "rejected";
              item.error = firstMessage(body) || "HTTP " + response.status;
              return self.save(item).then(function () { return false; });
            });
          }, function (error) {
            return self._backoff(item, String(error)).then(function () { return true; });
          });
        }).then(function (down) {
          self._changed();
          return down;
        });
      });
      return chain;
    }).catch(function () {}).then(function () {
      self.busy = false;
      self._changed();
    });
  };

  /* Try everything queued now (e.g. the connection came back). */
  Outbox.prototype.retryNow = function () {
    var self = this;
    return this.all().then(function (items) {
      return Promise.all(items.filter(function (i) { return i.state !== "saved" && i.state !== "rejected"; })
        .map(function (i) { i.nextTry = 0; i.state = "queued"; return self.save(i); }));
    }).then(function () { return self.flush(); });
  };

  /* Keep flushing: every `intervalMs`, and at once when the browser says it is online. */
  Outbox.prototype.start = function (intervalMs) {
    var self = this;
    window.addEventListener("online", function () { self.retryNow(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") self.flush();
    });
    setInterval(function () { self.flush(); }, intervalMs || 2000);
    return this.retryNow();
  };

  /* The outbox of a page of a logged-in user (the shift report, the presence visit log): sent
   * with the session's cookie and the CSRF token of the page's `form`, and the field pages' API
   * headers (fieldmap.js); `onChange` is called whenever an item changes. */
  Outbox.forSession = function (scope, form, onChange) {
    return new Outbox(scope, {
      headers: function () {
        var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
        return window.TryggMap.apiHeaders({ "X-CSRFToken": token });
      },
      credentials: "same-origin",
      onChange: onChange,
    });
  };

  /* The first message of an error answer of the API ("field: message"), for pages that show it. */
  Outbox.firstMessage = firstMessage;

  window.TryggOutbox = Outbox;
})();
