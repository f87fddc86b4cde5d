// Make the basemap's label glyphs: signed-distance-field glyph PBFs in the ranges MapLibre asks
// for ({fontstack}/{start}-{end}.pbf), from DejaVu Sans, for the Latin of Swedish and Finnish
// (0-255, 256-511) and punctuation such as dashes and quotes (8192-8447).
//
// Run once when the fonts or ranges change (the runtime needs no Node):
//   mkdir scratch && cd scratch && npm install fontnik
//   node <repo>/layers/basemap_glyphs/make_glyphs.mjs <font dir> <repo>/gis/static/basemap/glyphs
// where <font dir> holds DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian: fonts-dejavu-core,
// /usr/share/fonts/truetype/dejavu). Run node from the scratch folder so it finds fontnik.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "package.json"));
const fontnik = require("fontnik");

const [fontDir, outDir] = process.argv.slice(2);
if (!fontDir || !outDir) {
  console.error("usage: node make_glyphs.mjs FONT_DIR OUT_DIR");
  process.exit(2);
}
const FONTS = { "DejaVu Sans Book": "DejaVuSans.ttf", "DejaVu Sans Bold": "DejaVuSans-Bold.ttf" };
const RANGES = [0, 256, 8192];

const range = (font, start) =>
  new Promise((resolve, reject) =>
    fontnik.range({ font, start, end: start + 255 }, (error, data) => (error ? reject(error) : resolve(data))),
  );

for (const [stack, file] of Object.entries(FONTS)) {
  const font = readFileSync(join(fontDir, file));
  mkdirSync(join(outDir, stack), { recursive: true });
  for (const start of RANGES) {
    const data = await range(font, start);
    writeFileSync(join(outDir, stack, `${start}-${start + 255}.pbf`), data);
    console.log(`${stack} ${start}-${start + 255}: ${data.length} bytes`);
  }
}
