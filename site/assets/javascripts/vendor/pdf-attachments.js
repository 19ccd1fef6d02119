/* certgen: read the embedded files (PDF attachments) of a PDF in the browser, offline.
 *
 * Needs pdfjs-bundle.js (window.pdfjsLib plus window.pdfjsWorker) loaded first with a classic
 * <script> tag. pdf.js then parses on the main thread ("fake worker"): no Worker, no module
 * import, no fetch, so it works from file:// as well as over http(s)://.
 *
 *   window.certgenAttachments(bytes) -> Promise<{[fileName: string]: Uint8Array}>
 *
 * bytes: an ArrayBuffer or a typed array (e.g. Uint8Array) with the whole PDF; it is copied,
 * never detached or changed. Resolves to an object with no prototype mapping each embedded
 * file's name (the file specification's /UF or /F, without any path) to a fresh Uint8Array
 * of its bytes; {} when the PDF has none. Only the document-level EmbeddedFiles name tree
 * is read (what WeasyPrint's attachments= writes), not file-attachment annotations.
 * Rejects if pdf.js is missing, the bytes are not a readable PDF (or need a password), or
 * two entries of the name tree carry the same file name. Limit: entries whose name-tree
 * keys are identical are merged by pdf.js itself (the last one wins) before this code sees
 * them, so that case cannot be detected here; the JWS check on certificate.json covers it.
 */
(function () {
  "use strict";

  function toBytes(data) {
    if (data instanceof ArrayBuffer) {
      return new Uint8Array(data.slice(0));
    }
    if (ArrayBuffer.isView(data)) {
      return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    }
    throw new TypeError("certgenAttachments: expected an ArrayBuffer or a typed array");
  }

  async function certgenAttachments(data) {
    var lib = window.pdfjsLib;
    if (!lib || typeof lib.getDocument !== "function" || !window.pdfjsWorker) {
      throw new Error("certgenAttachments: load pdfjs-bundle.js before pdf-attachments.js");
    }
    var task = lib.getDocument({
      data: toBytes(data),
      verbosity: lib.VerbosityLevel.ERRORS,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      enableXfa: false,
    });
    try {
      var doc = await task.promise;
      var found = (await doc.getAttachments()) || {};
      var out = Object.create(null);
      var keys = Object.keys(found);
      for (var i = 0; i < keys.length; i++) {
        var file = found[keys[i]];
        if (!file || !file.content) {
          continue; /* a file specification without an embedded stream */
        }
        var name = file.filename;
        if (Object.prototype.hasOwnProperty.call(out, name)) {
          throw new Error("certgenAttachments: two embedded files are named " + JSON.stringify(name));
        }
        out[name] = new Uint8Array(file.content); /* a copy, not a view into the PDF */
      }
      return out;
    } finally {
      await task.destroy();
    }
  }

  window.certgenAttachments = certgenAttachments;
})();
