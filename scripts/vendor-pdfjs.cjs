// Regenerates site/assets/javascripts/vendor/pdfjs-bundle.js (pdf.js, main thread and worker in
// one classic script, so that the Verify page reads PDF attachments offline and from file://)
// and its licence notice. Run with: npm run vendor-pdfjs
const fs = require("fs");
const esbuild = require("esbuild");

const version = require("pdfjs-dist/package.json").version;
const folder = "site/assets/javascripts/vendor/";
const entry =
  "import * as worker from 'pdfjs-dist/legacy/build/pdf.worker.min.mjs';" +
  "globalThis.pdfjsWorker=worker;" +
  "export * from 'pdfjs-dist/legacy/build/pdf.min.mjs';";

esbuild.buildSync({
  stdin: { contents: entry, resolveDir: ".", sourcefile: "pdfjs-entry.mjs" },
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "pdfjsLib",
  legalComments: "eof",
  logLevel: "error",
  banner: {
    js:
      "/*! pdfjs-dist " + version + " (Mozilla pdf.js, legacy build, main thread + worker in " +
      "one file), Apache-2.0: see pdfjs-LICENSE.txt. Regenerate with: npm run vendor-pdfjs */",
  },
  outfile: folder + "pdfjs-bundle.js",
});
fs.writeFileSync(
  folder + "pdfjs-LICENSE.txt",
  "pdfjs-bundle.js bundles the npm package pdfjs-dist " + version +
    " (Mozilla pdf.js, https://github.com/mozilla/pdf.js),\n" +
    "licensed under the Apache License, Version 2.0, whose text follows. Copyright Mozilla " +
    "Foundation and pdf.js contributors.\n" +
    "The bundle is legacy/build/pdf.min.mjs and legacy/build/pdf.worker.min.mjs of that " +
    "package, unmodified except for being bundled and minified by esbuild (npm run vendor-pdfjs).\n\n" +
    fs.readFileSync("node_modules/pdfjs-dist/LICENSE", "utf8"),
);
