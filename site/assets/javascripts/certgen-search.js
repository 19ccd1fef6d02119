/* certgen: the site search finds certificates. Certificate pages are not in the search index
   (at 10,000 certificates it would grow past what a browser should download): a query shaped
   like a certificate number or ID (letters and digits, with digits, at least six of them) is
   looked up in the register's lookup files instead, one small file, the same the Verify page
   uses, and the certificate is shown above the index's results with its status. Operations
   are found by the index itself (the "Our clients" page). Text is set with textContent. */
(function () {
  "use strict";
  var NUMBER = /^[\p{L}\p{N}]+(?:[\s./-][\p{L}\p{N}]+)*$/u;

  function certgen() { return window.certgen; }
  function numberShaped(query) {
    var plain = query.replace(/[^\p{L}\p{N}]+/gu, "");
    return NUMBER.test(query) && /\d/.test(plain) && plain.length >= 6;
  }

  function box(results) {
    var found = results.querySelector(".certgen-search-certificate");
    if (!found) {
      found = document.createElement("div");
      found.className = "certgen-search-certificate";
      found.setAttribute("role", "status");
      results.insertBefore(found, results.firstChild);
    }
    return found;
  }

  /* A number-shaped query the register does not hold is answered too, as the Verify page
     answers it: a search that only listed pages would leave the reader guessing. */
  function unknown(place, query) {
    var line = document.createElement("p");
    line.className = "certgen-search-certificate__unknown";
    line.textContent = "No certificate numbered " + query + " is in our register. " +
      "Check the number, or open Verify to check a certificate you hold.";
    place.appendChild(line);
    place.hidden = false;
  }

  function show(results, query, entry, looked) {
    var place = box(results);
    place.textContent = "";
    if (!entry) {
      if (looked) unknown(place, query);
      else place.hidden = true;
      return;
    }
    var link = document.createElement("a");
    link.href = new URL(entry.page, certgen().root).href;
    link.className = "certgen-search-certificate__link";
    link.appendChild(document.createElement("strong")).textContent = entry.title + " " + entry.id;
    link.appendChild(document.createElement("span")).textContent =
      " · " + certgen().statusWord(entry.status) + (entry.number !== entry.id ? " · number " + entry.number : "");
    place.appendChild(link);
    place.hidden = false;
  }

  function start() {
    var input = document.querySelector('[data-md-component="search-query"]');
    var results = document.querySelector('[data-md-component="search-result"]');
    if (!input || !results || !certgen()) return;
    var latest = 0;
    input.addEventListener("input", function () {
      var query = input.value.trim();
      var mine = ++latest;
      if (!numberShaped(query)) { show(results, query, null, false); return; }
      certgen().meta().then(function () { return certgen().lookup(query); }).then(function (entry) {
        if (mine === latest) show(results, query, entry, true);
      }).catch(function () { if (mine === latest) show(results, query, null, false); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
