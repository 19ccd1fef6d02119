/* certgen: a certificate as its holder reads it. The public page shows what anyone may read;
   the QR code and the link printed on the certificate carry its key in the address's fragment
   (#key=...), which the browser never sends to a server. With it, this script loads the sealed
   details from this site, opens them with WebCrypto (AES-GCM), checks that the record is the
   one whose SHA-256 the page publishes and that the certifier's published key signed it, and
   shows the whole certificate, with its record and its PDF to download. Nothing is sent
   anywhere; without a key, or with a wrong one, the page keeps the public fields. */
(function () {
  "use strict";
  var KEY = /(?:^|&)key=([A-Za-z0-9_-]{22})(?:&|$)/;

  function certgen() { return window.certgen; } /* certgen.js may load after this script */
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  function associated(id, part) {
    return new TextEncoder().encode("certgen holder v1\u0000" + id + "\u0000" + part);
  }
  function open(key, id, part, sealed) {
    return crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: associated(id, part) },
      key,
      sealed.slice(12)
    );
  }
  function say(box, text, state) {
    var node = box.querySelector(".certgen-holder-message");
    node.textContent = text;
    box.setAttribute("data-holder", state);
  }
  function download(name, type, bytes, label) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([bytes], { type: type }));
    link.download = name;
    link.textContent = label;
    return link;
  }

  /* The QR code of the holder link, drawn here rather than sealed with the details: the build
     encodes none for the web (generator/website/render.py draws the PDF's the same way). A
     stroke one module wide along each row's runs of dark modules, error correction M. */
  var SVG = "http://www.w3.org/2000/svg", BORDER = 2;
  function drawQr(figure) {
    var link = figure.getAttribute("data-link");
    return certgen().script("assets/javascripts/vendor/qrcode.js").then(function () {
      var code = window.qrcode(0, "M");
      code.addData(link, "Byte");
      code.make();
      var modules = code.getModuleCount(), size = modules + 2 * BORDER, path = [];
      for (var y = 0; y < modules; y++) {
        for (var x = 0; x < modules; x++) {
          if (!code.isDark(y, x)) continue;
          var start = x;
          while (x < modules && code.isDark(y, x)) x++;
          path.push("M" + (start + BORDER) + " " + (y + BORDER) + ".5h" + (x - start));
        }
      }
      var svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("viewBox", "0 0 " + size + " " + size);
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "QR code linking to " + link);
      svg.setAttribute("shape-rendering", "crispEdges");
      var light = svg.appendChild(document.createElementNS(SVG, "rect"));
      light.setAttribute("width", size);
      light.setAttribute("height", size);
      light.setAttribute("fill", "#fff");
      var dark = svg.appendChild(document.createElementNS(SVG, "path"));
      dark.setAttribute("stroke", "#000");
      dark.setAttribute("d", path.join(""));
      figure.insertBefore(svg, figure.firstChild);
    }).catch(function () {
      figure.querySelector("figcaption").textContent = "QR code not drawn: open this page's link";
    });
  }

  function show(article, box, details, signature, key) {
    var template = document.createElement("template");
    template.innerHTML = details.html; /* made by certgen, sealed by the certifier's secret */
    var full = template.content.firstElementChild;
    var lines = {
      valid: "Signature: valid, signed by " + signature.subject + " (key " + signature.kid + ").",
      invalid: "Signature: NOT VALID: the record was changed after it was signed.",
      "unknown-key": "Signature: NOT VALID: signed by a key the certifier never published (" + signature.kid + ").",
      unsigned: "Signature: none (a preview build): not a valid certificate."
    };
    var check = document.createElement("div");
    check.className = "certgen-result certgen-result-" + (signature.state === "valid" ? "issued" : "unknown");
    check.setAttribute("data-signature", signature.state);
    check.appendChild(document.createElement("p")).textContent =
      "Opened with the key of your link. The record is the one this register publishes (SHA-256 " +
      box.dataset.sha256 + ").";
    check.appendChild(document.createElement("p")).textContent = lines[signature.state];
    var files = document.createElement("p");
    files.className = "certgen-downloads";
    files.appendChild(document.createTextNode("Download: "));
    files.appendChild(download(box.dataset.id + ".json", "application/json",
      new TextEncoder().encode(details.record), "JSON record"));
    if (details.jws) {
      files.appendChild(document.createTextNode(" · "));
      files.appendChild(download(box.dataset.id + ".json.jws", "application/jose",
        new TextEncoder().encode(details.jws), "its signature (JWS)"));
    }
    if (box.dataset.pdf) {
      files.appendChild(document.createTextNode(" · "));
      var pdf = document.createElement("a");
      pdf.href = box.dataset.pdf;
      pdf.textContent = "PDF";
      pdf.addEventListener("click", function (event) {
        event.preventDefault();
        fetch(box.dataset.pdf).then(function (response) {
          if (!response.ok) throw new Error("no PDF");
          return response.arrayBuffer();
        }).then(function (sealed) {
          return open(key, box.dataset.id, "pdf", new Uint8Array(sealed));
        }).then(function (bytes) {
          var saved = download(box.dataset.id + ".pdf", "application/pdf", bytes, "PDF");
          document.body.appendChild(saved);
          saved.click();
          saved.remove();
        }).catch(function () { pdf.textContent = "PDF (could not be opened)"; });
      });
      files.appendChild(pdf);
    }
    full.insertBefore(check, full.firstChild);
    var development = article.querySelector(".certgen-banner-development");
    if (development) full.insertBefore(development, full.firstChild);
    full.appendChild(files);
    article.replaceWith(full);
    var figure = full.querySelector(".certgen-qr[data-link]");
    if (figure) drawQr(figure);
  }

  function start() {
    var box = document.getElementById("certgen-holder");
    var match = KEY.exec(location.hash.slice(1));
    if (!box || !match) return;
    var article = box.closest("article");
    var id = box.dataset.id, key, details, record;
    say(box, "Opening the details with the key of your link…", "opening");
    crypto.subtle.importKey("raw", certgen().base64url(match[1]), { name: "AES-GCM" }, false, ["decrypt"])
      .then(function (imported) {
        key = imported;
        return certgen().load(box.dataset.details, "holder-" + id);
      })
      .then(function (sealed) {
        if (!sealed) throw new Error("missing");
        return open(key, id, "details", certgen().base64url(sealed));
      })
      .then(function (plain) {
        details = JSON.parse(new TextDecoder().decode(plain));
        record = new TextEncoder().encode(details.record);
        return Promise.all([crypto.subtle.digest("SHA-256", record), certgen().load("data/keys.js", "keys")]);
      })
      .then(function (loaded) {
        if (hex(loaded[0]) !== box.dataset.sha256) throw new Error("digest");
        var token = details.jws ? new TextEncoder().encode(details.jws) : null;
        return certgen().checkSignature(record, token, loaded[1]);
      })
      .then(function (signature) { show(article, box, details, signature, key); })
      .catch(function () {
        say(box, "The key in this link does not open this certificate's details: check that the " +
          "whole link was copied, or scan the QR code of the certificate you hold. Only the public " +
          "fields are shown.", "wrong-key");
      });
  }

  window.addEventListener("hashchange", function () { location.reload(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
