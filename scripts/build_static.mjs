// Builds PeerPath's vendored front-end files into src/peerpath/static/vendor/ (git-ignored build output).
//
// Run after `npm ci`:  node scripts/build_static.mjs
//
// - assets/scss/peerpath.scss -> vendor/peerpath.css (nhsuk-frontend with a system font stack, compressed)
// - htmx.min.js, nhsuk-frontend.min.js (an ES module: load it with <script type="module">)
// - the nhsuk icons the CSS refers to -> vendor/images/
// Nothing here or in its output fetches anything at run time: the build fails if the CSS names a remote font.

import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const out = join(root, "src", "peerpath", "static", "vendor");
const nhsuk = join(modules, "nhsuk-frontend", "dist", "nhsuk");

if (!existsSync(nhsuk)) {
  console.error("node_modules/nhsuk-frontend is missing: run `npm ci` first.");
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "images"), { recursive: true });

// 1. Styles.
const result = sass.compile(join(root, "assets", "scss", "peerpath.scss"), {
  loadPaths: [modules],
  style: "compressed",
  quietDeps: true,
});
const forbidden = [/@font-face/i, /assets\.nhs\.uk/i, /url\(\s*["']?(https?:)?\/\//i];
for (const pattern of forbidden) {
  if (pattern.test(result.css)) {
    console.error(`peerpath.css matches ${pattern}: it must not load anything from another site.`);
    process.exit(1);
  }
}
writeFileSync(join(out, "peerpath.css"), result.css);

// 2. Scripts. nhsuk-frontend.min.js ends with `export {...}`: it is an ES module.
copyFileSync(join(modules, "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js"));
copyFileSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk-frontend.min.js"));

// 3. Icons referenced by the CSS (and the favicon).
for (const name of readdirSync(join(nhsuk, "assets", "images"))) {
  if (name.endsWith(".svg") && name.startsWith("nhsuk-icon-") && name !== "nhsuk-icon-mask.svg") {
    cpSync(join(nhsuk, "assets", "images", name), join(out, "images", name));
  }
}

console.log(`Built ${out}: peerpath.css (${result.css.length} bytes), htmx.min.js, nhsuk-frontend.min.js, images/`);
