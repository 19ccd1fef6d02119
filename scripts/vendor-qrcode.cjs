// Regenerates site/assets/javascripts/vendor/qrcode.js (Kazuhiko Arase's qrcode-generator, one
// classic script that sets window.qrcode) and its licence notice. The holder view draws its
// certificate's QR code in the browser from the link that opened it, so the build encodes no
// QR code for the web pages (the PDFs still carry theirs). Run with: npm run vendor-qrcode
const fs = require("fs");
const esbuild = require("esbuild");

const meta = JSON.parse(fs.readFileSync("node_modules/qrcode-generator/package.json", "utf8"));
const folder = "site/assets/javascripts/vendor/";
const source = fs.readFileSync(require.resolve("qrcode-generator"), "utf8");

const minified = esbuild.transformSync(source, { minify: true, legalComments: "none" }).code;
fs.writeFileSync(
  folder + "qrcode.js",
  "/*! qrcode-generator " + meta.version + " (MIT, Copyright (c) 2009 Kazuhiko Arase): see " +
    "qrcode-LICENSE.txt. Regenerate with: npm run vendor-qrcode */\n" + minified,
);
// The package ships no licence file; its source says "Licensed under the MIT license".
const header = source.slice(0, source.indexOf("var qrcode"));
fs.writeFileSync(
  folder + "qrcode-LICENSE.txt",
  "qrcode.js is qrcode-generator " + meta.version + " (npm), unmodified except for being minified\n" +
    "by esbuild (npm run vendor-qrcode). Its source's notice:\n\n" + header +
    "\nThe MIT License\n\nCopyright (c) 2009 Kazuhiko Arase\n\n" +
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software\n" +
    "and associated documentation files (the \"Software\"), to deal in the Software without\n" +
    "restriction, including without limitation the rights to use, copy, modify, merge, publish,\n" +
    "distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the\n" +
    "Software is furnished to do so, subject to the following conditions:\n\n" +
    "The above copyright notice and this permission notice shall be included in all copies or\n" +
    "substantial portions of the Software.\n\n" +
    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,\n" +
    "INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR\n" +
    "PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR\n" +
    "ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,\n" +
    "ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\n" +
    "SOFTWARE.\n",
);
