/* certgen: the register filter, the verification form and the year-page filter.
   Data comes as small script files (window.certgen.* callbacks) so that the site also works
   opened from disk, where browsers refuse to fetch JSON. Text is always set with textContent. */
(function () {
  "use strict";
  var root = new URL("../../", document.currentScript.src);
  var certgen = (window.certgen = window.certgen || {});
  var waiting = {};

  function load(path, key) {
    if (!waiting[key]) {
      waiting[key] = new Promise(function (resolve) {
        certgen["_" + key] = resolve;
        var script = document.createElement("script");
        script.src = new URL(path, root).href;
        script.onerror = function () { resolve(null); };
        document.head.appendChild(script);
      });
    }
    return waiting[key];
  }
  certgen.deliver = function (key, value) {
    var resolve = certgen["_" + key];
    if (resolve) resolve(value);
  };

  /* Numbers compare on letters and digits only; FNV-1a over the UTF-8 bytes of the normalized
     number picks its lookup file. The same functions run in
     generator/website/register.py to choose the file a number is stored in. */
  function normalize(number) { return number.toUpperCase().replace(/[^\p{L}\p{N}]+/gu, ""); }
  function shard(key, count) {
    var hash = 0x811c9dc5, bytes = new TextEncoder().encode(key);
    for (var i = 0; i < bytes.length; i++) {
      hash ^= bytes[i];
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return (hash % count).toString(16).padStart(4, "0");
  }
  /* A status in words: the build's table (generator/check/words.py STATUS_WORDS), delivered
     with the lookup files' meta. */
  var statusWords = {};
  function statusWord(status) { return statusWords[status] || status; }
  function meta() {
    return load("data/lookup/meta.js", "meta").then(function (value) {
      if (value && value.status_words) statusWords = value.status_words;
      return value;
    });
  }

  /* The register's entry for a number or ID, or null; shared with certgen-verify.js. */
  function lookup(number) {
    var key = normalize(number);
    return meta().then(function (found) {
      if (!found) return null;
      var name = shard(key, found.shards);
      return load("data/lookup/" + name + ".js", "lookup-" + name);
    }).then(function (entries) { return (entries && entries[key]) || null; });
  }

  /* Shared with certgen-verify.js and certgen-holder.js. */
  function base64url(text) {
    var padded = text.replace(/-/g, "+").replace(/_/g, "/");
    while (padded.length % 4) padded += "=";
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  /* The JWS check: {state: "valid"|"invalid"|"unknown-key"|"unsigned", subject, kid}. */
  function checkSignature(record, token, keys) {
    if (!token) return Promise.resolve({ state: "unsigned" });
    var parts = new TextDecoder().decode(token).trim().split(".");
    var header;
    try { header = JSON.parse(new TextDecoder().decode(base64url(parts[0]))); } catch (e) { header = null; }
    if (parts.length !== 3 || parts[1] !== "" || !header) return Promise.resolve({ state: "invalid" });
    var key = (keys && keys.keys || []).filter(function (k) { return k.kid === header.kid; })[0];
    if (!key) return Promise.resolve({ state: "unknown-key", kid: header.kid });
    var algorithm = header.alg === "ES256"
      ? { import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } }
      : { import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } };
    var jwk = { kty: key.kty, crv: key.crv, x: key.x, y: key.y, n: key.n, e: key.e };
    Object.keys(jwk).forEach(function (k) { if (jwk[k] === undefined) delete jwk[k]; });
    var input = concat(new TextEncoder().encode(parts[0] + "."), record);
    return crypto.subtle.importKey("jwk", jwk, algorithm.import, false, ["verify"])
      .then(function (imported) {
        return crypto.subtle.verify(algorithm.verify, imported, base64url(parts[2]), input);
      })
      .then(function (ok) {
        return { state: ok ? "valid" : "invalid", subject: key.subject, kid: key.kid };
      }, function () { return { state: "invalid", kid: key.kid }; });
  }

  /* A script loaded on demand (a vendored library a page needs only sometimes), once. */
  var scripts = {};
  function script(path) {
    if (!scripts[path]) {
      scripts[path] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = new URL(path, root).href;
        tag.onload = resolve;
        tag.onerror = function () { reject(new Error(path + " could not be loaded.")); };
        document.head.appendChild(tag);
      });
    }
    return scripts[path];
  }

  certgen.load = load;
  certgen.script = script;
  certgen.lookup = lookup;
  certgen.meta = meta;
  certgen.statusWord = statusWord;
  certgen.root = root;
  certgen.base64url = base64url;
  certgen.checkSignature = checkSignature;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function link(href, text) {
    var a = element("a", text);
    a.href = new URL(href, root).href;
    return a;
  }

  /* Verification. */
  function verify(number) {
    var out = document.getElementById("certgen-verify-result");
    var key = normalize(number);
    out.textContent = "Looking up " + number + "…";
    meta().then(function (found) {
      if (!found) { out.textContent = "The register index could not be loaded."; return null; }
      var name = shard(key, found.shards);
      return load("data/lookup/" + name + ".js", "lookup-" + name);
    }).then(function (entries) {
      if (entries === null && out.textContent.indexOf("could not") >= 0) return;
      var found = entries && entries[key];
      out.textContent = "";
      var box = element("div", undefined, "certgen-result certgen-result-" + (found ? found.status : "unknown"));
      if (!found) {
        box.appendChild(element("p", "No certificate numbered " + number + " is in our register.", "certgen-verify-unknown"));
        box.appendChild(element("p", "Check the number, or contact the certificate desk: a certificate we did not issue is not valid as ours."));
      } else {
        var head = element("p");
        head.appendChild(element("strong", statusWord(found.status), "certgen-verify-status"));
        [": " + found.title + " ", [found.number], ", issued ", [found.issued_on], "."].forEach(function (part) {
          /* numbers and dates are kept on one line */
          head.appendChild(typeof part === "string" ? document.createTextNode(part) : element("span", part[0], "certgen-nowrap"));
        });
        box.appendChild(head);
        if (found.exporter || found.destination) {
          box.appendChild(element("p", [found.exporter && "Exporter: " + found.exporter, found.destination && "Destination: " + found.destination].filter(Boolean).join(". ") + "."));
        } else {
          box.appendChild(element("p", "Its details are shown to its holder, through the QR code or the link on the certificate."));
        }
        if (found.status !== "issued") box.appendChild(element("p", found.note));
        var p = element("p");
        p.appendChild(link(found.page, "Open the certificate"));
        box.appendChild(p);
      }
      out.appendChild(box);
    });
  }
  function setUpVerify() {
    var form = document.getElementById("certgen-verify-form");
    if (!form) return;
    var input = document.getElementById("certgen-number");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.value.trim()) verify(input.value.trim());
    });
    var asked = new URLSearchParams(window.location.search).get("number");
    if (asked) { input.value = asked; verify(asked); }
  }

  /* Register filter. */
  function setUpRegister() {
    var box = document.getElementById("certgen-register");
    if (!box) return;
    var query = document.getElementById("certgen-query");
    var status = document.getElementById("certgen-status");
    var yearSelect = document.getElementById("certgen-year");
    var summary = document.getElementById("certgen-register-summary");
    var results = document.getElementById("certgen-register-results");
    Promise.all([load("data/register/years.js", "years"), meta()]).then(function (loaded) {
      var years = loaded[0];
      if (!years) { summary.textContent = "The register index could not be loaded."; return; }
      Object.keys(statusWords).forEach(function (value) {
        var option = element("option", statusWord(value));
        option.value = value;
        status.appendChild(option);
      });
      var list = document.getElementById("certgen-years");
      years.forEach(function (year) {
        var item = element("li");
        item.appendChild(link("register/" + year.year + ".html", String(year.year)));
        item.appendChild(document.createTextNode(": " + year.count + " certificate" + (year.count === 1 ? "" : "s")));
        list.appendChild(item);
        var option = element("option", String(year.year));
        option.value = year.year;
        yearSelect.appendChild(option);
      });
      /* Opening the register loads the newest certificates only (one small file, whatever
         the register's size); a number is found through the lookup files (one small file);
         other searches across all years load every year. */
      var latest = 0; /* only the newest search shows its results */
      function run() {
        var mine = ++latest;
        function shown(rows, where) { if (mine === latest) show(rows, where); }
        var everyYear = !yearSelect.value;
        if (everyYear && !query.value.trim() && !status.value) {
          return load("data/register/latest.js", "latest").then(function (rows) {
            shown(rows || [], "(the newest; choose a year, or search, for the others)");
          });
        }
        var direct = everyYear && query.value.trim() ? lookup(query.value) : Promise.resolve(null);
        return direct.then(function (found) {
          if (found && (!status.value || found.status === status.value)) return shown([found]);
          var chosen = everyYear ? years.map(function (y) { return y.year; }) : [Number(yearSelect.value)];
          return loadYears(chosen).then(function (rows) { shown(rows); });
        });
      }
      function loadYears(chosen) {
        return Promise.all(chosen.map(function (y) { return load("data/register/" + y + ".js", "year-" + y); }))
          .then(function (sets) { return [].concat.apply([], sets.filter(Boolean)); });
      }
      function show(rows, where) {
        var words = normalize(query.value).toLowerCase();
        var matches = rows.length === 1 && !rows[0].text ? rows : rows.filter(function (row) {
          return (!status.value || row.status === status.value) &&
            (!words || row.text.indexOf(words) >= 0);
        });
        summary.textContent = matches.length + " certificate" + (matches.length === 1 ? "" : "s") +
          (where ? " " + where : "") + (matches.length > 200 ? " (showing the first 200)" : "");
        results.textContent = "";
        if (!matches.length) return;
        var table = element("table");
        var head = table.createTHead().insertRow();
        ["Number", "Document", "Exporter", "Destination", "Products", "Issued", "Status"].forEach(function (h) {
          var th = element("th", h); th.scope = "col"; head.appendChild(th);
        });
        var body = table.createTBody();
        matches.slice(0, 200).forEach(function (row) {
          var tr = body.insertRow();
          tr.insertCell().appendChild(link(row.page, row.number));
          [row.title, row.exporter, row.destination, row.products, row.issued_on, statusWord(row.status)].forEach(function (text) {
            tr.insertCell().textContent = text || "\u2014";
          });
        });
        results.appendChild(table);
      }
      [query, status, yearSelect].forEach(function (control) { control.addEventListener("input", run); });
      run();
    });
  }

  /* Filter of a year page: hides the rows that do not match. */
  function setUpYearFilter() {
    var input = document.getElementById("certgen-year-query");
    if (!input) return;
    var rows = Array.prototype.slice.call(document.querySelectorAll(".certgen-year-table tbody tr"));
    var summary = document.getElementById("certgen-year-summary");
    input.addEventListener("input", function () {
      var words = normalize(input.value).toLowerCase(), shown = 0;
      rows.forEach(function (row) {
        var match = !words || normalize(row.textContent).toLowerCase().indexOf(words) >= 0;
        row.hidden = !match;
        if (match) shown++;
      });
      summary.textContent = shown + " of " + rows.length + " certificates";
    });
  }

  function start() { setUpVerify(); setUpRegister(); setUpYearFilter(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
