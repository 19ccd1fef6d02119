// Regenerates site/assets/javascripts/vendor/ajv-bundle.js (Ajv 8 for JSON Schema draft 2020-12
// with ajv-formats, one classic script that sets window.certgenAjv = {Ajv2020, addFormats}) for
// the "Request a certificate" page, and its licence notice. Run with: npm run vendor-ajv
const fs = require("fs");
const esbuild = require("esbuild");

const ajv = require("ajv/package.json").version;
const formats = require("ajv-formats/package.json").version;
const folder = "site/assets/javascripts/vendor/";
const entry =
  "import Ajv2020 from 'ajv/dist/2020';" +
  "import addFormats from 'ajv-formats';" +
  "export { Ajv2020, addFormats };";

esbuild.buildSync({
  stdin: { contents: entry, resolveDir: ".", sourcefile: "ajv-entry.mjs" },
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "certgenAjv",
  platform: "browser",
  legalComments: "eof",
  logLevel: "error",
  banner: {
    js:
      "/*! ajv " + ajv + " (draft 2020-12) and ajv-formats " + formats + " (MIT; fast-uri BSD-3-Clause): see " +
      "ajv-LICENSE.txt. Regenerate with: npm run vendor-ajv */",
  },
  outfile: folder + "ajv-bundle.js",
});
const bundled = ["ajv", "ajv-formats", "fast-deep-equal", "fast-uri", "json-schema-traverse",
  "require-from-string"];
fs.writeFileSync(
  folder + "ajv-LICENSE.txt",
  "ajv-bundle.js bundles these npm packages, unmodified except for being bundled and minified by\n" +
    "esbuild (npm run vendor-ajv); each licence follows.\n\n" +
    bundled.map(function (name) {
      const meta = require(name + "/package.json");
      const file = fs.readdirSync("node_modules/" + name).find((f) => /^licen[cs]e/i.test(f));
      return "== " + name + " " + meta.version + " (" + meta.license + ")\n\n" +
        fs.readFileSync("node_modules/" + name + "/" + file, "utf8");
    }).join("\n"),
);
