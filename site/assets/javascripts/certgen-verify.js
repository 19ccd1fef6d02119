/* certgen: check a certificate file in the browser, offline; nothing is uploaded.
   A PDF carries its JSON record and the record's signature (a detached JWS) as embedded files,
   read with the vendored pdf.js (pdf-attachments.js); a JSON record's signature is the one in
   the register's lookup files (or a .jws file dropped with it).
   WebCrypto checks the signature against the certifier's published keys (data/keys.js); the
   record's SHA-256 is compared with the register's, which also gives its status today, and a
   PDF's SHA-256 with that of the signed PDF the register published: only that very file is
   valid. PDF readers and `certgen verify` also check the PDF's own signature (PAdES). */
(function () {
  "use strict";
  function certgen() { return window.certgen; } /* certgen.js loads after the page's scripts */
  function statusWord(status) { return certgen().statusWord(status); } /* one table: certgen.js */

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  /* pdf.js (1.7 MB) is loaded only when a PDF is dropped: checking a number needs none. */
  var pdfReader = null;
  function readerOfPdfs() {
    if (!pdfReader) {
      pdfReader = certgen().script("assets/javascripts/vendor/pdfjs-bundle.js").then(function () {
        return certgen().script("assets/javascripts/vendor/pdf-attachments.js");
      }).catch(function () { throw new Error("The PDF reader could not be loaded."); });
    }
    return pdfReader;
  }

  function readFiles(files) {
    return Promise.all(Array.prototype.map.call(files, function (file) {
      return file.arrayBuffer().then(function (buffer) {
        return { name: file.name, bytes: new Uint8Array(buffer) };
      });
    }));
  }

  /* {record, token, kind} from the dropped files: a PDF, or a JSON record and its .jws. */
  function contents(files) {
    var pdf = files.filter(function (f) { return f.bytes[0] === 0x25 && f.bytes[1] === 0x50; })[0];
    if (pdf) {
      return readerOfPdfs().then(function () {
        return window.certgenAttachments(pdf.bytes);
      }).then(function (found) {
        return { kind: "PDF", pdf: pdf.bytes, record: found["certificate.json"] || null, token: found["certificate.json.jws"] || null };
      });
    }
    var jws = files.filter(function (f) { return /\.jws$/i.test(f.name); })[0];
    var json = files.filter(function (f) { return f !== jws; })[0];
    return Promise.resolve({ kind: "JSON record", record: json ? json.bytes : null, token: jws ? jws.bytes : null });
  }

  function report(out, found, signature, entry, digest, pdfDigest) {
    out.textContent = "";
    var record = {};
    try { record = JSON.parse(new TextDecoder().decode(found.record)); } catch (e) { record = {}; }
    /* A PDF counts only when it is, byte for byte, the signed PDF we published: its record
       and the record's signature are public, and could be attached to any other PDF. */
    var pdfPublished = found.kind !== "PDF" || Boolean(entry && entry.pdf_sha256 && entry.pdf_sha256 === pdfDigest);
    var good = signature.state === "valid" && entry && entry.sha256 === digest && pdfPublished;
    var current = good && entry.status === "issued";
    var box = element("div", undefined, "certgen-result certgen-result-" + (current ? "issued" : (entry && good ? entry.status : "unknown")));
    box.setAttribute("data-verdict", current ? "valid" : "not-valid");
    var head = element("p");
    head.appendChild(element("strong", good ? statusWord(entry.status) : "NOT VALID", "certgen-verify-status"));
    if (record.id) head.appendChild(document.createTextNode(": " + (record.document && record.document.title || "") + " " + (record.number || record.id) + "."));
    box.appendChild(head);
    if (good && !current && entry.note) box.appendChild(element("p", entry.note, "certgen-verify-note"));
    var lines = {
      valid: "Signature: valid, signed by " + signature.subject + " (key " + signature.kid + ").",
      invalid: "Signature: NOT VALID: the record was changed after it was signed.",
      "unknown-key": "Signature: NOT VALID: signed by a key we never published (" + signature.kid + ").",
      unsigned: "Signature: none. This is an unsigned copy or a preview; it is not a valid certificate."
    };
    box.appendChild(element("p", lines[signature.state], "certgen-verify-signature"));
    if (!entry) {
      box.appendChild(element("p", "Register: " + (record.id || "this record") + " is not in our register.", "certgen-verify-register"));
    } else if (entry.sha256 !== digest) {
      box.appendChild(element("p", "Register: the record differs from the one we published (SHA-256 " + digest + ").", "certgen-verify-register"));
    } else {
      var status = "Status: " + statusWord(entry.status) + (entry.replaced_by ? "; replaced by " + entry.replaced_by : "") + ".";
      box.appendChild(element("p", pdfPublished
        ? "Register: matches the record we published. " + status
        : "Register: the record this PDF carries is ours (" + status + ") but the PDF is not the one we published.",
        "certgen-verify-register"));
    }
    if (found.kind === "PDF" && entry) {
      box.appendChild(element("p", pdfPublished
        ? "PDF: the very file we published and signed (SHA-256 " + pdfDigest + ")."
        : "PDF: NOT the file we published: it was changed after signing, or it is not ours (SHA-256 " + pdfDigest + ").",
        "certgen-verify-pdf"));
    }
    if (record.exporter) {
      box.appendChild(element("p", "Signed record: exporter " + record.exporter.name + "; products: " +
        (record.products || []).map(function (p) { return p.name_as_labeled; }).join(", ") +
        ". Compare with the copy you hold."));
    }
    if (found.kind === "PDF") {
      box.appendChild(element("p", "Your PDF reader also shows the PDF's own signature."));
    }
    out.appendChild(box);
  }

  function check(files) {
    var out = document.getElementById("certgen-file-result");
    out.textContent = "Checking…";
    var found, entry, keys, digest, pdfDigest;
    readFiles(files).then(contents).then(function (result) {
      found = result;
      if (!found.record) throw new Error("This file carries no certificate record.");
      var record = JSON.parse(new TextDecoder().decode(found.record));
      return Promise.all([
        certgen().lookup(String(record.id || "")),
        certgen().load("data/keys.js", "keys"),
        crypto.subtle.digest("SHA-256", found.record),
        found.pdf ? crypto.subtle.digest("SHA-256", found.pdf) : null
      ]);
    }).then(function (loaded) {
      entry = loaded[0];
      keys = loaded[1];
      digest = hex(loaded[2]);
      pdfDigest = loaded[3] ? hex(loaded[3]) : null;
      /* A JSON record dropped alone: its signature is the one the register publishes. A PDF
         must carry its own: an unsigned PDF (a preview) is no certificate, whatever it holds. */
      var published = found.kind !== "PDF" && entry && entry.jws;
      var token = found.token || (published ? new TextEncoder().encode(entry.jws) : null);
      return certgen().checkSignature(found.record, token, keys);
    }).then(function (signature) {
      report(out, found, signature, entry, digest, pdfDigest);
    }).catch(function (error) {
      out.textContent = "";
      var box = element("div", undefined, "certgen-result certgen-result-unknown");
      box.setAttribute("data-verdict", "not-valid");
      box.appendChild(element("p", "NOT VALID: " + (error && error.message ? error.message : "the file could not be read."), "certgen-verify-status"));
      out.appendChild(box);
    });
  }

  function start() {
    var input = document.getElementById("certgen-file");
    var zone = document.getElementById("certgen-drop");
    if (!input || !zone) return;
    input.addEventListener("change", function () { if (input.files.length) check(input.files); });
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("certgen-drop-over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("certgen-drop-over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("certgen-drop-over");
      if (event.dataTransfer.files.length) check(event.dataTransfer.files);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
