// Build the storefront widget: extensions/baton-popup/src -> extensions/baton-popup/assets.
//   node scripts/build_widget.mjs            write the assets
//   node scripts/build_widget.mjs --check    fail if the committed assets differ from a build
// The assets are committed because `shopify app deploy` uploads the extension as it stands.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const extension = join(dirname(fileURLToPath(import.meta.url)), "..", "extensions", "baton-popup");
const source = join(extension, "src");
const assets = join(extension, "assets");
const shared = {
  bundle: true, minify: true, legalComments: "none", charset: "utf8", write: false, logLevel: "silent",
};
const scripts = { ...shared, format: "iife", target: ["chrome100", "firefox100", "safari15"] };

const outputs = await Promise.all([
  build({ ...scripts, entryPoints: [join(source, "loader.js")], outfile: join(assets, "baton-loader.js") }),
  build({ ...scripts, entryPoints: [join(source, "game", "index.js")], outfile: join(assets, "baton-game.js") }),
  build({ ...scripts, entryPoints: [join(source, "points.js")], outfile: join(assets, "baton-points.js") }),
  build({ ...shared, entryPoints: [join(source, "baton.css")], outfile: join(assets, "baton.css"), target: ["chrome100", "safari15"] }),
]);
const files = outputs.flatMap((result) => result.outputFiles);
// esbuild keeps going past a CSS syntax error (a missing "{" once dropped two rules): a
// warning fails the build instead of shipping what the browser would throw away.
const warnings = outputs.flatMap((result) => result.warnings);
if (warnings.length) {
  for (const warning of warnings) {
    const at = warning.location ? `${warning.location.file}:${warning.location.line}: ` : "";
    console.error(`${at}${warning.text}`);
  }
  process.exit(1);
}

if (process.argv.includes("--check")) {
  const stale = files.filter((file) => {
    try { return readFileSync(file.path, "utf8") !== file.text; } catch { return true; }
  });
  if (stale.length) {
    console.error(`out of date (run make build): ${stale.map((file) => file.path).join(", ")}`);
    process.exit(1);
  }
} else {
  const { writeFileSync } = await import("node:fs");
  for (const file of files) writeFileSync(file.path, file.text);
  for (const file of files) console.log(`${file.path.slice(extension.length + 1)}  ${file.text.length} bytes`);
}
